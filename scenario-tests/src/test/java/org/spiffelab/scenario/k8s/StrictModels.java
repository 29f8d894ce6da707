package org.spiffelab.scenario.k8s;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Deserializes a manifest into fabric8's typed Kubernetes model and reports every field the model does not know:
 * fabric8 keeps unknown fields in {@code additionalProperties} silently, so they are looked for everywhere.
 */
final class StrictModels {

    static final Map<String, Class<?>> KINDS = Map.ofEntries(
            Map.entry("v1/Namespace", io.fabric8.kubernetes.api.model.Namespace.class),
            Map.entry("v1/ServiceAccount", io.fabric8.kubernetes.api.model.ServiceAccount.class),
            Map.entry("v1/Service", io.fabric8.kubernetes.api.model.Service.class),
            Map.entry("v1/ConfigMap", io.fabric8.kubernetes.api.model.ConfigMap.class),
            Map.entry("apps/v1/Deployment", io.fabric8.kubernetes.api.model.apps.Deployment.class),
            Map.entry("apps/v1/StatefulSet", io.fabric8.kubernetes.api.model.apps.StatefulSet.class),
            Map.entry("apps/v1/DaemonSet", io.fabric8.kubernetes.api.model.apps.DaemonSet.class),
            Map.entry("rbac.authorization.k8s.io/v1/ClusterRole", io.fabric8.kubernetes.api.model.rbac.ClusterRole.class),
            Map.entry("rbac.authorization.k8s.io/v1/ClusterRoleBinding", io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding.class),
            Map.entry("rbac.authorization.k8s.io/v1/Role", io.fabric8.kubernetes.api.model.rbac.Role.class),
            Map.entry("rbac.authorization.k8s.io/v1/RoleBinding", io.fabric8.kubernetes.api.model.rbac.RoleBinding.class),
            Map.entry("admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration",
                    io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration.class),
            Map.entry("apiextensions.k8s.io/v1/CustomResourceDefinition",
                    io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition.class));

    private static final ObjectMapper MAPPER = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    private StrictModels() {
    }

    /** Unknown fields as paths (empty when the document is valid for its typed model); an unknown kind is an error. */
    static List<String> unknownFields(JsonNode document) throws Exception {
        String key = document.path("apiVersion").asText() + "/" + document.path("kind").asText();
        Class<?> type = KINDS.get(key);
        if (type == null) {
            throw new AssertionError("no typed model for " + key + " (" + RenderedScenario.id(document) + "): add one to StrictModels");
        }
        Object model = MAPPER.treeToValue(document, type);
        List<String> unknown = new ArrayList<>();
        walk(model, RenderedScenario.id(document), unknown, new IdentityHashMap<>(), 0);
        return unknown;
    }

    private static void walk(Object value, String path, List<String> unknown, Map<Object, Boolean> seen, int depth) throws Exception {
        if (value == null || depth > 40 || seen.put(value, Boolean.TRUE) != null) {
            return;
        }
        if (value instanceof Collection<?> list) {
            int i = 0;
            for (Object item : list) {
                walk(item, path + "[" + i++ + "]", unknown, seen, depth + 1);
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                walk(entry.getValue(), path + "." + entry.getKey(), unknown, seen, depth + 1);
            }
            return;
        }
        if (!value.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        // Union wrappers of JSON Schema (JSONSchemaPropsOrArray, ...OrBool, ...OrStringArray) hold the union's value
        // where a plain mapper puts it: their additionalProperties are the value, not unknown fields.
        boolean union = value.getClass().getSimpleName().matches("JSONSchemaPropsOr.*");
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers()) || getter.getDeclaringClass() == Object.class
                    || !(getter.getName().startsWith("get") || getter.getName().startsWith("is"))) {
                continue;
            }
            Object child = getter.invoke(value);
            if (getter.getName().equals("getAdditionalProperties")) {
                if (!union && child instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    unknown.add(path + ": unknown " + extra.keySet());
                }
                continue;
            }
            walk(child, path + "." + getter.getName().replaceFirst("^(get|is)", ""), unknown, seen, depth + 1);
        }
    }
}

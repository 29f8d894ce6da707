package org.spiffelab.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.spiffelab.harness.WebappContainer;

/** Reads a running webapp the way a script would: its JSON view and its HTML page. */
public final class Portal {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private Portal() {
    }

    static JsonNode view(WebappContainer webapp) throws Exception {
        return JSON.readTree(get(webapp, "/api/portal"));
    }

    /** The page's text as a reader sees it: tags dropped (IDs carry {@code <wbr>} break points), entities decoded. */
    static String page(WebappContainer webapp) throws Exception {
        return visibleText(get(webapp, "/"));
    }

    public static String visibleText(String html) {
        return html.replaceAll("(?s)<style.*?</style>", "").replaceAll("<[^>]*>", "").replace("&lt;", "<").replace("&gt;", ">")
                .replace("&quot;", "\"").replace("&#39;", "'").replace("&apos;", "'").replace("&amp;", "&");
    }

    private static String get(WebappContainer webapp, String path) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(webapp.url() + path))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new AssertionError(webapp.role() + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }
}

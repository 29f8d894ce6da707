package org.spiffelab.sds.authz;

import com.google.rpc.Code;
import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.auth.v3.DeniedHttpResponse;
import io.envoyproxy.envoy.service.auth.v3.OkHttpResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Envoy's external authorization (ext_authz v3) for JWT-SVIDs. Every outcome is a CheckResponse with an HTTP answer —
 * never a gRPC error that Envoy would have to interpret by its failure_mode settings.
 */
public final class AuthzService extends AuthorizationGrpc.AuthorizationImplBase {

    /** The upstream header carrying the validated SPIFFE ID; any value a client sent is overwritten or never forwarded. */
    public static final String SPIFFE_ID_HEADER = "x-spiffe-id";
    private static final Logger LOG = LoggerFactory.getLogger(AuthzService.class);
    private static final DenialLog DENIALS = new DenialLog(LOG);

    private final AuthzMode mode;
    private final JwtSvidValidator validator;
    private final Executor verifications;
    private final JwtSvidRefresher injector;
    private final Runnable verifiedCallerAnswered;
    private static final int MAX_ANSWERS = 256;
    private final java.util.concurrent.ConcurrentHashMap<Verdict, CheckResponse> answers = new java.util.concurrent.ConcurrentHashMap<>();

    private AuthzService(AuthzMode mode, JwtSvidValidator validator, Executor verifications, JwtSvidRefresher injector) {
        this.mode = mode;
        this.validator = validator;
        this.verifications = verifications;
        this.injector = injector;
        this.verifiedCallerAnswered = verifications instanceof VerificationPool pool ? pool::verifiedCallerAnswered : () -> { };
    }

    /** @param verifications where signature checks run (a {@link VerificationPool}): never the gRPC threads */
    public static AuthzService validating(JwtSvidValidator validator, Executor verifications) {
        return new AuthzService(AuthzMode.VALIDATE, validator, verifications, null);
    }

    public static AuthzService injecting(JwtSvidRefresher injector) {
        return new AuthzService(AuthzMode.INJECT, null, null, injector);
    }

    @Override
    public void check(CheckRequest request, StreamObserver<CheckResponse> responses) {
        if (mode == AuthzMode.INJECT) {
            respond(request, inject(), responses);
            return;
        }
        // a verification still queued when its caller gave up (Envoy waits 2 s) is skipped, not computed for nobody
        Executor unlessAbandoned = responses instanceof ServerCallStreamObserver<CheckResponse> call
                ? task -> verifications.execute(() -> {
                    if (!call.isCancelled()) {
                        task.run();
                    }
                })
                : verifications;
        CompletableFuture<Verdict> verdict = validator.check(
                request.getAttributes().getRequest().getHttp().getHeadersMap().get("authorization"), unlessAbandoned);
        if (verdict.getNow(null) instanceof Verdict.Allowed) {
            verifiedCallerAnswered.run();   // allowed without a verification: a remembered token
        }
        verdict.whenComplete((checked, error) ->
                respond(request, error == null ? answer(checked) : denied(503, "token check failed: " + error), responses));
    }

    private void respond(CheckRequest request, CheckResponse response, StreamObserver<CheckResponse> responses) {
        // Denials at INFO (someone should look); every allowed request would be an access log, so DEBUG.
        if (response.getStatus().getCode() == Code.OK_VALUE) {
            if (LOG.isDebugEnabled()) {
                var http = request.getAttributes().getRequest().getHttp();
                LOG.debug("ext_authz mode={} {} {} peer={} -> allowed", mode, http.getMethod(), http.getPath(), peer(request));
            }
        } else if (DENIALS.admit()) {
            var http = request.getAttributes().getRequest().getHttp();
            LOG.info("ext_authz mode={} {} {} peer={} -> {}", mode, http.getMethod(), http.getPath(), peer(request),
                    response.getDeniedResponse().getBody().strip());
        }
        responses.onNext(response);
        responses.onCompleted();
    }

    private static String peer(CheckRequest request) {
        String peer = request.getAttributes().getSource().getPrincipal();
        return peer.isEmpty() ? "-" : peer;
    }

    /**
     * The answer for a verdict, built once: an allowed verdict names a subject from the allow-list, and denials repeat
     * a few reasons, so a small map serves nearly every request without building a message. Bounded: cleared when full.
     */
    private CheckResponse answer(Verdict verdict) {
        CheckResponse response = answers.get(verdict);
        if (response == null) {
            response = build(verdict);
            if (answers.size() >= MAX_ANSWERS) {
                answers.clear();
            }
            answers.put(verdict, response);
        }
        return response;
    }

    private static CheckResponse build(Verdict verdict) {
        if (verdict instanceof Verdict.Allowed allowed) {
            return ok(OkHttpResponse.newBuilder().addHeaders(overwrite(SPIFFE_ID_HEADER, allowed.subject()))
                    // the token was for us; the service behind gets the validated identity instead
                    .addHeadersToRemove("authorization").build());
        }
        Verdict.Denied denied = (Verdict.Denied) verdict;
        return denied(denied.httpStatus(), denied.reason());
    }

    private CheckResponse inject() {
        try {
            return ok(OkHttpResponse.newBuilder().addHeaders(overwrite("authorization", "Bearer " + injector.token())).build());
        } catch (JwtSvidRefresher.NoToken e) {
            return denied(503, e.getMessage());
        }
    }

    private static CheckResponse ok(OkHttpResponse ok) {
        return CheckResponse.newBuilder().setStatus(Status.newBuilder().setCode(Code.OK_VALUE)).setOkResponse(ok).build();
    }

    private static CheckResponse denied(int httpStatus, String reason) {
        int grpc = httpStatus == 401 ? Code.UNAUTHENTICATED_VALUE : httpStatus == 403 ? Code.PERMISSION_DENIED_VALUE : Code.UNAVAILABLE_VALUE;
        DeniedHttpResponse.Builder denied = DeniedHttpResponse.newBuilder()
                .setStatus(HttpStatus.newBuilder().setCode(StatusCode.forNumber(httpStatus)))
                .setBody(reason + "\n")
                .addHeaders(overwrite("content-type", "text/plain"));
        if (httpStatus == 401) {
            denied.addHeaders(overwrite("www-authenticate", "Bearer error=\"invalid_token\""));
        }
        return CheckResponse.newBuilder().setStatus(Status.newBuilder().setCode(grpc).setMessage(reason)).setDeniedResponse(denied).build();
    }

    private static HeaderValueOption overwrite(String name, String value) {
        return HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey(name).setValue(value))
                .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD).build();
    }
}

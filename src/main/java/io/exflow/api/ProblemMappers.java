package io.exflow.api;

import java.util.Map;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

/**
 * Every error of the REST api as problem+json: the api's own rules, authentication (401) and
 * authorization (403) failures — reachable here because proactive authentication is off — and
 * whatever JAX-RS raises itself (404, 405, 406, 415, bad JSON). Unexpected failures are 500
 * with no internals in the body.
 */
public class ProblemMappers {
    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);
    private static final Map<String, String> BEARER = Map.of("WWW-Authenticate", "Bearer");

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        return e.problem().toResponse(e.headers());
    }

    @ServerExceptionMapper
    public Response unauthorized(UnauthorizedException e) {
        return Problem.of(401, "unauthorized", "Unauthorized", "a valid bearer token is required").toResponse(BEARER);
    }

    @ServerExceptionMapper
    public Response authenticationFailed(AuthenticationFailedException e) {
        return Problem.of(401, "unauthorized", "Unauthorized", "the bearer token is missing, expired or invalid")
                .toResponse(BEARER);
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return ProblemException.roleForbidden().problem().toResponse();
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e) {
        return Problem.of(400, "malformed-json", "Malformed JSON", "the request body is not valid JSON").toResponse();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        Response.Status known = Response.Status.fromStatusCode(status);
        String title = known == null ? "Error" : known.getReasonPhrase();
        String slug = title.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
        String detail = switch (status) {
            case 404 -> "no such resource";
            case 405 -> "method not allowed on this resource";
            case 415 -> "the request body must be application/json";
            case 406 -> "this resource produces application/json";
            case 400 -> "the request is malformed";
            default -> title;
        };
        Map<String, String> headers = e.getResponse().getHeaderString("Allow") == null ? Map.of()
                : Map.of("Allow", e.getResponse().getHeaderString("Allow"));
        return Problem.of(status, slug, title, detail).toResponse(headers);
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e) {
        if (io.exflow.runtime.delivery.FailureClassifier.isConnectivity(e)) {
            // A dependency is down, not a bug: tell clients to come back (readiness is DOWN meanwhile).
            LOG.warnf("api request failed, database unreachable: %s", e.getMessage());
            return Problem.of(503, "unavailable", "Service Unavailable", "a dependency is unavailable; "
                    + "retry later with the same Idempotency-Key").toResponse(Map.of("Retry-After", "5"));
        }
        LOG.error("api request failed", e);
        return Problem.of(500, "internal-error", "Internal Server Error", "the request could not be completed; "
                + "it is safe to retry with the same Idempotency-Key").toResponse();
    }
}

package io.exflow.api;

import java.util.Map;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.annotation.JsonInclude;

import jakarta.ws.rs.core.Response;

/**
 * An RFC 9457 problem ({@code application/problem+json}): every error the api returns has this
 * shape. {@code type} is a stable URN per kind of problem; {@code detail} never carries data of
 * a tenant the caller may not see.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(requiredProperties = { "type", "title", "status" })
public record Problem(String type, String title, int status, String detail) {
    public static final String MEDIA_TYPE = "application/problem+json";

    public static Problem of(int status, String slug, String title, String detail) {
        return new Problem("urn:exflow:problem:" + slug, title, status, detail);
    }

    public Response toResponse(Map<String, String> headers) {
        Response.ResponseBuilder r = Response.status(status).type(MEDIA_TYPE).entity(this);
        headers.forEach(r::header);
        return r.build();
    }

    public Response toResponse() {
        return toResponse(Map.of());
    }
}

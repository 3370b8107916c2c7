package io.exflow.api;

import java.io.InputStream;
import java.net.URI;
import java.util.List;
import java.util.UUID;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.exflow.domain.events.Decided;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * Exceptions of one tenant. Every route: a valid token (401), naming the tenant (403), with the
 * route's role (403), for a tenant that exists (404).
 */
@Path("/api/v1/tenants/{tenant}/exceptions")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "exceptions")
@APIResponse(responseCode = "default", description = "an error: 400, 401, 403, 404, 405, 409, 413, 415, 422, 429 or 500",
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
public class ExceptionsResource {
    private final Caller caller;
    private final Tenants tenants;
    private final RateLimiter rateLimiter;
    private final ExceptionPayloads payloads;
    private final Submissions submissions;
    private final ExceptionViews views;
    private final Approvals approvals;

    public ExceptionsResource(Caller caller, Tenants tenants, RateLimiter rateLimiter, ExceptionPayloads payloads,
            Submissions submissions, ExceptionViews views, Approvals approvals) {
        this.caller = caller;
        this.tenants = tenants;
        this.rateLimiter = rateLimiter;
        this.payloads = payloads;
        this.submissions = submissions;
        this.views = views;
        this.approvals = approvals;
    }

    public record AcceptedResponse(UUID exceptionId, UUID eventId) {
    }

    public record ApprovalRequest(Boolean approve, String comment) {
    }

    public record ApprovalResponse(UUID exceptionId, UUID eventId, Decided.Decision decision) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed("ingest")
    @Operation(summary = "Submit a business exception", description = "Accepted for processing: the exception "
            + "goes through intake and triage asynchronously. A retried request with the same Idempotency-Key "
            + "returns the same exceptionId (header Idempotent-Replayed: true).")
    @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type =
            SchemaType.OBJECT, description = "the raw exception: "
            + "at least 'type'; see docs/events.md (exflow.exception.ingested)")))
    @APIResponse(responseCode = "202", description = "accepted", content = @Content(schema = @Schema(implementation = AcceptedResponse.class)))
    public Response submit(@PathParam("tenant") String tenant, @HeaderParam("Idempotency-Key") String idempotencyKey,
            InputStream body) {
        tenants.requireActive(caller, tenant, Grants.INGEST);
        Submissions.checkKey(idempotencyKey);
        rateLimiter.acquire(tenant, tenants.rateLimit(tenant));
        Submissions.Accepted accepted = submissions.submit(tenant, idempotencyKey, payloads.read(body));
        Response.ResponseBuilder r = Response.accepted(new AcceptedResponse(accepted.exceptionId(), accepted.eventId()))
                .location(URI.create("/api/v1/tenants/" + tenant + "/exceptions/" + accepted.exceptionId()));
        if (accepted.replayed()) {
            r.header("Idempotent-Replayed", "true");
        }
        return r.build();
    }

    @GET
    @Path("/{id}")
    @RolesAllowed({ "ingest", "operator", "approver" })
    @Operation(summary = "An exception's state, severity, SLA deadline, decision and playbook progress",
            description = "state RECEIVED means accepted but not yet through intake")
    @APIResponse(responseCode = "200", description = "the exception",
            content = @Content(schema = @Schema(implementation = ExceptionViews.ExceptionView.class)))
    public ExceptionViews.ExceptionView get(@PathParam("tenant") String tenant, @PathParam("id") UUID id) {
        tenants.requireReadable(caller, tenant, Grants.INGEST, Grants.OPERATOR, Grants.APPROVER);
        ExceptionViews.ExceptionView view = views.find(tenant, id);
        if (view == null) {
            throw ProblemException.notFound("no such exception");
        }
        return view;
    }

    @GET
    @Path("/{id}/timeline")
    @RolesAllowed({ "ingest", "operator", "approver" })
    @Operation(summary = "Every event of the exception, in order",
            description = "the ingested entry's detail (the raw submission, before PII redaction) is not served")
    @APIResponse(responseCode = "200", description = "the timeline, oldest first",
            content = @Content(schema = @Schema(type = SchemaType.ARRAY, implementation = ExceptionViews.TimelineEntry.class)))
    public List<ExceptionViews.TimelineEntry> timeline(@PathParam("tenant") String tenant, @PathParam("id") UUID id) {
        tenants.requireReadable(caller, tenant, Grants.INGEST, Grants.OPERATOR, Grants.APPROVER);
        List<ExceptionViews.TimelineEntry> entries = views.timeline(tenant, id);
        if (entries.isEmpty()) {
            throw ProblemException.notFound("no such exception");
        }
        return entries;
    }

    @POST
    @Path("/{id}/approval")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed("approver")
    @Operation(summary = "Approve or reject an exception awaiting approval",
            description = "409 unless the exception is AWAITING_APPROVAL and not yet answered")
    @APIResponse(responseCode = "200", description = "the answer, emitted as exflow.exception.decided",
            content = @Content(schema = @Schema(implementation = ApprovalResponse.class)))
    public ApprovalResponse approve(@PathParam("tenant") String tenant, @PathParam("id") UUID id, ApprovalRequest request) {
        tenants.requireActive(caller, tenant, Grants.APPROVER);
        if (request == null || request.approve() == null) {
            throw ProblemException.badRequest("'approve' (true or false) is required");
        }
        if (request.comment() != null && request.comment().length() > Approvals.MAX_COMMENT_CHARS) {
            throw ProblemException.badRequest("'comment' is longer than " + Approvals.MAX_COMMENT_CHARS + " characters");
        }
        Approvals.Answer answer = approvals.decide(tenant, id, request.approve(), request.comment(), caller.subject());
        return new ApprovalResponse(answer.exceptionId(), answer.eventId(), answer.decision());
    }
}

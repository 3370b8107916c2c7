package io.exflow.api;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/**
 * Dead letters of one tenant, for its operators (role {@code operator}). The tenant segment
 * {@value Tenants#UNATTRIBUTED} addresses the entries whose tenant is unknown (undecodable
 * records) and is open to platform admins (tenants claim {@code "*"}) only. Replays go to the
 * one consumer group that failed, through its retry schedule; the actor of a replay or discard is the
 * token's subject.
 */
@Path("/api/v1/tenants/{tenant}/dead-letters")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed("operator")
@Tag(name = "dead letters")
@APIResponse(responseCode = "default", description = "an error: 400, 401, 403, 404, 405, 409, 413, 415, 422, 429 or 500",
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
public class DeadLetterResource {
    private static final Set<String> STATUSES = Set.of("PENDING", "REPLAYED", "DISCARDED");

    private final Caller caller;
    private final Tenants tenants;
    private final DeadLetterStore store;

    public DeadLetterResource(Caller caller, Tenants tenants, DeadLetterStore store) {
        this.caller = caller;
        this.tenants = tenants;
        this.store = store;
    }

    public record ActionRequest(String reason) {
    }

    public record ActionResponse(long id, @Schema(enumeration = { "REPLAYED", "DISCARDED" }) String status) {
    }

    /**
     * Either {@code ids}, or a {@code filter} (as the list's; only PENDING entries are replayed), at most
     * {@code max} (≤ 500) per call; {@code comment} is recorded as the replay's reason.
     */
    public record BatchReplayRequest(List<Long> ids, BatchFilter filter, String comment, Integer max) {
    }

    public record BatchFilter(String reason, String consumer, String eventType, String since) {
    }

    public record Skipped(long id, String problem) {
    }

    public record BatchReplayResponse(List<Long> replayed, List<Skipped> skipped) {
    }

    @GET
    @Operation(summary = "List dead letters, newest first", description = "filters: status, reason, consumer, "
            + "eventType, since (RFC 3339); cursor pagination: pass nextCursor back as cursor; limit 1-200 (default 50)")
    @APIResponse(responseCode = "200", description = "one page", content = @Content(schema = @Schema(implementation = DeadLetterStore.Page.class)))
    public DeadLetterStore.Page list(@PathParam("tenant") String tenant, @QueryParam("status") String status,
            @QueryParam("reason") String reason, @QueryParam("consumer") String consumer,
            @QueryParam("eventType") String eventType, @QueryParam("since") String since,
            @QueryParam("cursor") Long cursor, @QueryParam("limit") @DefaultValue("50") int limit) {
        DeadLetterStore.Scope scope = scope(tenant, false);
        if (limit < 1 || limit > DeadLetterStore.MAX_LIMIT) {
            throw ProblemException.badRequest("limit must be between 1 and " + DeadLetterStore.MAX_LIMIT);
        }
        return store.list(scope, filter(status, reason, consumer, eventType, since), cursor, limit);
    }

    @GET
    @Path("/stats")
    @Operation(summary = "Dead-letter counts by status, reason and consumer")
    @APIResponse(responseCode = "200", description = "the counts", content = @Content(schema = @Schema(implementation = DeadLetterStore.Stats.class)))
    public DeadLetterStore.Stats stats(@PathParam("tenant") String tenant) {
        return store.stats(scope(tenant, false));
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "One dead letter with its headers; the payload as text only if it is UTF-8 JSON")
    @APIResponse(responseCode = "200", description = "the dead letter", content = @Content(schema = @Schema(implementation = DeadLetterStore.Entry.class)))
    public DeadLetterStore.Entry get(@PathParam("tenant") String tenant, @PathParam("id") long id) {
        DeadLetterStore.Entry entry = store.get(scope(tenant, false), id);
        if (entry == null) {
            throw ProblemException.notFound("no such dead letter");
        }
        return entry;
    }

    @POST
    @Path("/{id}/replay")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Replay a PENDING dead letter to the consumer that failed it (409 unless PENDING)")
    @APIResponse(responseCode = "200", description = "replayed", content = @Content(schema = @Schema(implementation = ActionResponse.class)))
    public ActionResponse replay(@PathParam("tenant") String tenant, @PathParam("id") long id, ActionRequest request) {
        DeadLetterStore.Scope scope = scope(tenant, true);
        store.replay(scope, id, caller.subject(), reason(request, false));
        return new ActionResponse(id, "REPLAYED");
    }

    @POST
    @Path("/{id}/discard")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Discard a PENDING dead letter; a reason is required (409 unless PENDING)")
    @APIResponse(responseCode = "200", description = "discarded", content = @Content(schema = @Schema(implementation = ActionResponse.class)))
    public ActionResponse discard(@PathParam("tenant") String tenant, @PathParam("id") long id, ActionRequest request) {
        DeadLetterStore.Scope scope = scope(tenant, false);
        store.discard(scope, id, caller.subject(), reason(request, true));
        return new ActionResponse(id, "DISCARDED");
    }

    @POST
    @Path("/replay")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Replay PENDING dead letters by ids or by filter (reason, consumer, eventType, since), at most 500",
            description = "each entry is replayed in its own transaction; entries that are not PENDING or not "
                    + "the tenant's are reported as skipped")
    @APIResponse(responseCode = "200", description = "the ids replayed and the ids skipped with why",
            content = @Content(schema = @Schema(implementation = BatchReplayResponse.class)))
    public BatchReplayResponse replayBatch(@PathParam("tenant") String tenant, BatchReplayRequest request) {
        DeadLetterStore.Scope scope = scope(tenant, true);
        if (request == null || (request.ids() == null) == (request.filter() == null)) {
            throw ProblemException.badRequest("give either 'ids' or 'filter'");
        }
        int max = request.max() == null ? DeadLetterStore.MAX_BATCH : request.max();
        if (max < 1 || max > DeadLetterStore.MAX_BATCH) {
            throw ProblemException.badRequest("max must be between 1 and " + DeadLetterStore.MAX_BATCH);
        }
        if (request.ids() != null && (request.ids().isEmpty() || request.ids().size() > DeadLetterStore.MAX_BATCH)) {
            throw ProblemException.badRequest("ids must hold 1 to " + DeadLetterStore.MAX_BATCH + " entries");
        }
        String comment = reason(new ActionRequest(request.comment()), false);
        BatchFilter f = request.filter() == null ? new BatchFilter(null, null, null, null) : request.filter();
        List<Long> candidates = store.pendingIds(scope, filter("PENDING", f.reason(), f.consumer(), f.eventType(), f.since()),
                request.ids(), max);
        List<Long> replayed = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>();
        if (request.ids() != null) {
            request.ids().stream().filter(id -> !candidates.contains(id)).distinct()
                    .forEach(id -> skipped.add(new Skipped(id, "not found or not PENDING")));
        }
        for (Long id : candidates) {
            try {
                QuarkusTransaction.requiringNew().run(() -> store.replay(scope, id, caller.subject(), comment));
                replayed.add(id);
            } catch (ProblemException e) {
                skipped.add(new Skipped(id, e.problem().detail())); // replayed by someone else meanwhile
            }
        }
        return new BatchReplayResponse(replayed, skipped);
    }

    /** 403 (no data) unless the caller is an operator of the tenant; the unattributed entries need a platform admin. */
    private DeadLetterStore.Scope scope(String tenant, boolean startsWork) {
        if (Tenants.UNATTRIBUTED.equals(tenant)) {
            caller.requireTenant(Grants.ALL_TENANTS, Grants.OPERATOR);
            return new DeadLetterStore.Scope(null);
        }
        if (startsWork) {
            tenants.requireActive(caller, tenant, Grants.OPERATOR);
        } else {
            tenants.requireReadable(caller, tenant, Grants.OPERATOR);
        }
        return new DeadLetterStore.Scope(tenant);
    }

    private static DeadLetterStore.Filter filter(String status, String reason, String consumer, String eventType,
            String since) {
        if (status != null && !STATUSES.contains(status)) {
            throw ProblemException.badRequest("status must be one of " + STATUSES);
        }
        Instant sinceInstant = null;
        if (since != null) {
            try {
                sinceInstant = java.time.OffsetDateTime.parse(since).toInstant();
            } catch (DateTimeParseException e) {
                throw ProblemException.badRequest("since must be an RFC 3339 time such as 2025-01-31T12:00:00Z");
            }
        }
        return new DeadLetterStore.Filter(status, reason, consumer, eventType, sinceInstant);
    }

    private static String reason(ActionRequest request, boolean required) {
        return OperatorReason.check(request == null ? null : request.reason(), required);
    }
}

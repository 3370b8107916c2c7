package io.exflow.api;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;

import javax.sql.DataSource;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.exflow.console.ConsoleAudit;
import io.exflow.runtime.config.ExflowSettings;
import io.exflow.runtime.delivery.Jdbc;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * A tenant's status, and the operator action that suspends or reactivates it — no restart, no
 * database edit. The api refuses new work for a suspended tenant at once; workers dead-letter
 * its events {@code TENANT_REJECTED} within TENANT_CACHE_TTL (their cache of tenant statuses).
 * The decision outlives restarts and pack reloads (the pack's own status applies to tenants no
 * operator has acted on). Suspending and reactivating are for platform admins ({@code operator}
 * in every tenant, {@code *}) and audited like the console's actions (console_audit and the log).
 */
@Path("/api/v1/tenants/{tenant}/status")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed("operator")
@Tag(name = "tenants")
@APIResponse(responseCode = "default", description = "an error: 400, 401, 403, 404, 405, 415 or 500",
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
public class TenantStatusResource {

    private final Caller caller;
    private final Tenants tenants;
    private final DataSource dataSource;
    private final ConsoleAudit audit;
    private final ExflowSettings settings;

    public TenantStatusResource(Caller caller, Tenants tenants, DataSource dataSource, ConsoleAudit audit,
            ExflowSettings settings) {
        this.caller = caller;
        this.tenants = tenants;
        this.dataSource = dataSource;
        this.audit = audit;
        this.settings = settings;
    }

    public record StatusRequest(String reason) {
    }

    public record TenantStatusView(String tenantId, @Schema(enumeration = { "ACTIVE", "SUSPENDED" }) String status,
            @Schema(nullable = true, description = "who last suspended or reactivated it through the api") String changedBy,
            @Schema(nullable = true) Instant changedAt, @Schema(nullable = true) String reason,
            @Schema(description = "workers apply a change within this many milliseconds (TENANT_CACHE_TTL)") long workersApplyWithinMs) {
    }

    @GET
    @Operation(summary = "The tenant's status (ACTIVE or SUSPENDED) and its last operator change")
    @APIResponse(responseCode = "200", description = "the status", content = @Content(schema = @Schema(implementation = TenantStatusView.class)))
    public TenantStatusView tenantStatus(@PathParam("tenant") String tenant) {
        tenants.requireReadable(caller, tenant, Grants.OPERATOR);
        return view(tenant);
    }

    TenantStatusView change(String tenant, String status, String reason) {
        caller.requireTenant(tenant, Grants.OPERATOR);
        if (!caller.platformAdmin()) {
            throw ProblemException.roleForbidden();
        }
        String action = "ACTIVE".equals(status) ? "tenant.reactivate" : "tenant.suspend";
        return QuarkusTransaction.requiringNew().call(() -> {
            int changed = Jdbc.update(dataSource, "UPDATE tenant SET status = ?, operator_status = ?, status_actor = ?, "
                    + "status_reason = ?, status_changed_at = now(), updated_at = now() WHERE id = ?",
                    status, status, caller.subject(), reason, tenant);
            if (changed == 0) {
                throw ProblemException.notFound("no such tenant");
            }
            audit.record(caller.subject(), tenant, action, "tenant:" + tenant, "OK", reason);
            return view(tenant);
        });
    }

    private TenantStatusView view(String tenant) {
        TenantStatusView view = Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT status, status_actor, status_changed_at, status_reason FROM tenant WHERE id = ?")) {
                ps.setString(1, tenant);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return null;
                    }
                    java.sql.Timestamp at = rs.getTimestamp(3);
                    return new TenantStatusView(tenant, rs.getString(1), rs.getString(2), at == null ? null : at.toInstant(),
                            rs.getString(4), settings.tenantCacheTtl().toMillis());
                }
            }
        });
        if (view == null) {
            throw ProblemException.notFound("no such tenant");
        }
        return view;
    }

    static String reason(StatusRequest request, boolean required) {
        return OperatorReason.check(request == null ? null : request.reason(), required);
    }

    /**
     * Its own root resource rather than a method of the class above: Quarkus REST does not fall back
     * from a class whose path is a prefix of another's, so a class at /api/v1/tenants/{tenant} would
     * turn the 405 of a wrong method on /exceptions into a 404.
     */
    @Path("/api/v1/tenants/{tenant}/suspend")
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed("operator")
    @Tag(name = "tenants")
    @APIResponse(responseCode = "default", description = "an error: 400, 401, 403, 404, 405, 415 or 500",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public static class Suspend {
        private final TenantStatusResource statuses;

        public Suspend(TenantStatusResource statuses) {
            this.statuses = statuses;
        }

        @POST
        @Consumes(MediaType.APPLICATION_JSON)
        @Operation(summary = "Suspend a tenant (platform admins; a reason is required)", description = "the api refuses "
                + "new work for it at once (403 tenant-suspended); workers dead-letter its events TENANT_REJECTED within "
                + "TENANT_CACHE_TTL; reads and dead-letter discards still work")
        @APIResponse(responseCode = "200", description = "suspended (also when it already was)",
                content = @Content(schema = @Schema(implementation = TenantStatusView.class)))
        public TenantStatusView suspendTenant(@PathParam("tenant") String tenant, StatusRequest request) {
            return statuses.change(tenant, "SUSPENDED", reason(request, true));
        }
    }

    /** Its own root resource, like {@link Suspend}. */
    @Path("/api/v1/tenants/{tenant}/reactivate")
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed("operator")
    @Tag(name = "tenants")
    @APIResponse(responseCode = "default", description = "an error: 400, 401, 403, 404, 405, 415 or 500",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public static class Reactivate {
        private final TenantStatusResource statuses;

        public Reactivate(TenantStatusResource statuses) {
            this.statuses = statuses;
        }

        @POST
        @Consumes(MediaType.APPLICATION_JSON)
        @Operation(summary = "Reactivate a suspended tenant (platform admins)", description = "workers accept its events "
                + "again within TENANT_CACHE_TTL; events dead-lettered meanwhile can be replayed")
        @APIResponse(responseCode = "200", description = "active (also when it already was)",
                content = @Content(schema = @Schema(implementation = TenantStatusView.class)))
        public TenantStatusView reactivateTenant(@PathParam("tenant") String tenant, StatusRequest request) {
            return statuses.change(tenant, "ACTIVE", reason(request, false));
        }
    }
}

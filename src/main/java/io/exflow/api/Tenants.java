package io.exflow.api;

import java.sql.PreparedStatement;
import java.sql.ResultSet;

import javax.sql.DataSource;

import io.exflow.domain.Packs;
import io.exflow.packs.RateLimit;
import io.exflow.packs.TenantPack;
import io.exflow.runtime.delivery.Jdbc;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Tenant rules of the api. Order on every tenant route: the caller must hold a role in the tenant
 * (else 403, whether or not it exists — nothing to enumerate) and, per route, the role the route
 * needs there (else 403 {@code role-forbidden}), then the tenant must exist
 * (404), and for operations that start pipeline work (submit, approve, replay) it must be
 * ACTIVE (a SUSPENDED tenant gets 403 {@code tenant-suspended}; reads and discards still work).
 */
@ApplicationScoped
public class Tenants {
    /** Path segment for dead letters whose tenant could not be decoded; platform admins only. */
    public static final String UNATTRIBUTED = "_unattributed";

    private final DataSource dataSource;
    private final Packs packs;

    public Tenants(DataSource dataSource, Packs packs) {
        this.dataSource = dataSource;
        this.packs = packs;
    }

    /** Access check (a role in the tenant, one of {@code anyOfRoles} when given), then existence. */
    public void requireReadable(Caller caller, String tenantId, String... anyOfRoles) {
        caller.requireTenant(tenantId, anyOfRoles);
        if (status(tenantId) == null) {
            throw ProblemException.notFound("no such tenant");
        }
    }

    /** Access (as {@link #requireReadable}), existence, and ACTIVE. */
    public void requireActive(Caller caller, String tenantId, String... anyOfRoles) {
        caller.requireTenant(tenantId, anyOfRoles);
        String status = status(tenantId);
        if (status == null) {
            throw ProblemException.notFound("no such tenant");
        }
        if (!"ACTIVE".equals(status)) {
            throw new ProblemException(Problem.of(403, "tenant-suspended", "Tenant suspended",
                    "the tenant is suspended and cannot start new work"));
        }
    }

    /** The tenant's submission rate limit from its policy pack, or null if the pack sets none. */
    public RateLimit rateLimit(String tenantId) {
        return packs.all().tenant(tenantId).map(TenantPack::rateLimit).orElse(null);
    }

    private String status(String tenantId) {
        return Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT status FROM tenant WHERE id = ?")) {
                ps.setString(1, tenantId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getString(1) : null;
                }
            }
        });
    }
}

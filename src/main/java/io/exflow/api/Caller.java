package io.exflow.api;

import java.util.Set;

import org.eclipse.microprofile.jwt.JsonWebToken;

import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.RequestScoped;

/**
 * Who is calling: the subject ({@code sub}, the actor recorded on approvals and dead-letter
 * operations) and its {@link Grants} — the roles it holds per tenant, mapped from the verified
 * token's claims by {@link GrantsAugmentor}. Works for any authenticated identity whose principal
 * is a JWT (bearer tokens, and OIDC sessions, which carry one too).
 */
@RequestScoped
public class Caller {
    public static final String ALL_TENANTS = Grants.ALL_TENANTS;

    private final SecurityIdentity identity;

    public Caller(SecurityIdentity identity) {
        this.identity = identity;
    }

    public String subject() {
        String sub = identity.getPrincipal() instanceof JsonWebToken jwt ? jwt.getSubject() : null;
        return sub == null || sub.isBlank() ? "unknown" : sub;
    }

    public Grants grants() {
        Grants grants = identity.getAttribute(GrantsAugmentor.GRANTS);
        return grants == null ? Grants.NONE : grants;
    }

    /** The tenants the caller holds any role in ({@value #ALL_TENANTS} = every tenant). */
    public Set<String> tenants() {
        return grants().tenants();
    }

    public boolean platformAdmin() {
        return grants().platformAdmin();
    }

    /**
     * 403 with no data unless the caller holds a role in this tenant — one of {@code anyOfRoles}
     * when given ({@code tenant-forbidden} without any role there, {@code role-forbidden} without
     * one of these).
     */
    public void requireTenant(String tenantId, String... anyOfRoles) {
        Set<String> roles = grants().rolesIn(tenantId);
        if (roles.isEmpty()) {
            throw ProblemException.tenantForbidden();
        }
        if (anyOfRoles.length > 0 && Set.of(anyOfRoles).stream().noneMatch(roles::contains)) {
            throw ProblemException.roleForbidden();
        }
    }
}

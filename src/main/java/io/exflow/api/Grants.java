package io.exflow.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * What a signed-in caller may do: for each tenant, the api roles it holds there. The tenant
 * {@value #ALL_TENANTS} stands for every tenant (a platform admin). Built from a verified token's
 * claims by {@link ClaimMapping}, the same way for bearer tokens and console sessions.
 */
public final class Grants {
    public static final String ALL_TENANTS = "*";
    public static final String INGEST = "ingest";
    public static final String OPERATOR = "operator";
    public static final String APPROVER = "approver";
    /** The roles the api knows; anything else a token carries is ignored. */
    public static final Set<String> ROLES = Set.of(INGEST, OPERATOR, APPROVER);

    public static final Grants NONE = new Grants(Map.of());

    private final Map<String, Set<String>> rolesByTenant;

    private Grants(Map<String, Set<String>> rolesByTenant) {
        this.rolesByTenant = rolesByTenant;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Tenants (and {@value #ALL_TENANTS}) with at least one role. */
    public Set<String> tenants() {
        return rolesByTenant.keySet();
    }

    /** Every role held in some tenant: the coarse check of {@code @RolesAllowed}. */
    public Set<String> roles() {
        Set<String> all = new LinkedHashSet<>();
        rolesByTenant.values().forEach(all::addAll);
        return Collections.unmodifiableSet(all);
    }

    /** The roles held for this tenant, directly or through {@value #ALL_TENANTS}. */
    public Set<String> rolesIn(String tenant) {
        Set<String> roles = new LinkedHashSet<>(rolesByTenant.getOrDefault(tenant, Set.of()));
        roles.addAll(rolesByTenant.getOrDefault(ALL_TENANTS, Set.of()));
        return roles;
    }

    public boolean platformAdmin() {
        return rolesByTenant.containsKey(ALL_TENANTS);
    }

    @Override
    public String toString() {
        return rolesByTenant.toString();
    }

    public static final class Builder {
        private final Map<String, Set<String>> rolesByTenant = new LinkedHashMap<>();

        /** Grants a known role in a tenant; unknown roles and blank tenants are ignored. */
        public Builder grant(String tenant, String role) {
            if (tenant != null && !tenant.isBlank() && ROLES.contains(role)) {
                rolesByTenant.computeIfAbsent(tenant.trim(), t -> new LinkedHashSet<>()).add(role);
            }
            return this;
        }

        public Grants build() {
            Map<String, Set<String>> copy = new LinkedHashMap<>();
            rolesByTenant.forEach((tenant, roles) -> copy.put(tenant, Set.copyOf(roles)));
            return copy.isEmpty() ? NONE : new Grants(Collections.unmodifiableMap(copy));
        }
    }
}

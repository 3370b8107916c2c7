package io.exflow.packs;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The validated packs, keyed by domain name and tenant id. Every tenant's domain is present.
 */
public record LoadedPacks(Map<String, DomainPack> domains, Map<String, TenantPack> tenants) {

    public LoadedPacks {
        domains = Collections.unmodifiableMap(new TreeMap<>(domains));
        tenants = Collections.unmodifiableMap(new TreeMap<>(tenants));
    }

    public Optional<DomainPack> domain(String name) {
        return Optional.ofNullable(domains.get(name));
    }

    public Optional<TenantPack> tenant(String tenantId) {
        return Optional.ofNullable(tenants.get(tenantId));
    }

    /** The domain pack of a loaded tenant (always present after validation). */
    public DomainPack domainOf(TenantPack tenant) {
        DomainPack domain = domains.get(tenant.domain());
        if (domain == null) {
            throw new IllegalArgumentException("tenant '" + tenant.tenantId() + "' uses unknown domain '" + tenant.domain() + "'");
        }
        return domain;
    }
}

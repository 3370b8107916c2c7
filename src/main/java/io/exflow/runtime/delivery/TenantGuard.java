package io.exflow.runtime.delivery;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import javax.sql.DataSource;

import org.jboss.logging.Logger;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.exflow.runtime.config.ExflowSettings;
import io.exflow.runtime.event.EventEnvelope;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Checks every event's tenant before any handler sees it: present, known, ACTIVE, allowed
 * in this worker (TENANT_ALLOWLIST), and the owner of the exception the event refers to.
 * Tenant status is cached for TENANT_CACHE_TTL so a suspension takes effect within it.
 */
@ApplicationScoped
public class TenantGuard {
    /** Security events go to their own category so they can be routed and alerted on. */
    private static final Logger SECURITY = Logger.getLogger("exflow.security");

    private static final int OWNERS_CACHED = 16_384;

    private record CachedStatus(Optional<String> status, long expiresAtNanos) {
    }

    private final DataSource dataSource;
    private final ExflowSettings settings;
    private final Map<String, CachedStatus> statusCache = new ConcurrentHashMap<>();
    /**
     * Owners of exceptions looked up here. An exception's owner never changes (intake writes
     * {@code tenant_id} once), so an exception's later stages in this process need no lookup;
     * bounded, evicted on the caller's thread (no extra thread to wake). Absence is not cached:
     * an exception not ingested yet has no owner until it is.
     */
    private final Cache<UUID, String> knownOwners = Caffeine.newBuilder().maximumSize(OWNERS_CACHED)
            .executor(Runnable::run).build();

    public TenantGuard(DataSource dataSource, ExflowSettings settings) {
        this.dataSource = dataSource;
        this.settings = settings;
    }

    /**
     * Checks a lane's events with one owner lookup for all of them.
     *
     * @return per event, in order: null when it passes, else its TENANT_REJECTED failure (already logged)
     */
    public List<PermanentFailure> checkAll(String consumer, List<EventEnvelope> events) {
        Map<UUID, String> owners = owners(events.stream().filter(e -> e.tenantId() != null && e.exceptionId() != null)
                .map(EventEnvelope::exceptionId).distinct().toList());
        List<PermanentFailure> results = new ArrayList<>(events.size());
        for (EventEnvelope event : events) {
            String problem = problem(event, owners.get(event.exceptionId()));
            if (problem == null) {
                results.add(null);
                continue;
            }
            SECURITY.warnf("security event: tenant rejected consumer=%s eventId=%s type=%s tenant=%s exception=%s: %s",
                    consumer, event.id(), event.type(), event.tenantId(), event.exceptionId(), problem);
            results.add(new PermanentFailure(ReasonCode.TENANT_REJECTED, problem));
        }
        return results;
    }

    private String problem(EventEnvelope event, String owner) {
        String tenant = event.tenantId();
        if (tenant == null) {
            return "event has no tenantid";
        }
        if (!settings.tenantAllowlist().isEmpty() && !settings.tenantAllowlist().contains(tenant)) {
            return "tenant is not in this worker's TENANT_ALLOWLIST";
        }
        Optional<String> status = status(tenant);
        if (status.isEmpty()) {
            return "tenant is unknown";
        }
        if (!"ACTIVE".equals(status.get())) {
            return "tenant is " + status.get();
        }
        if (owner != null && !owner.equals(tenant)) {
            return "exception belongs to another tenant";
        }
        return null;
    }

    private Optional<String> status(String tenant) {
        long now = System.nanoTime();
        CachedStatus cached = statusCache.get(tenant);
        if (cached != null && cached.expiresAtNanos - now > 0) {
            return cached.status;
        }
        Optional<String> status = Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT status FROM tenant WHERE id = ?")) {
                ps.setString(1, tenant);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.<String>empty();
                }
            }
        });
        statusCache.put(tenant, new CachedStatus(status, now + settings.tenantCacheTtl().toNanos()));
        return status;
    }

    /** The owning tenant of each exception that exists (an exception not yet ingested has none). */
    private Map<UUID, String> owners(List<UUID> exceptionIds) {
        Map<UUID, String> owners = new HashMap<>(knownOwners.getAllPresent(exceptionIds));
        List<UUID> unknown = exceptionIds.stream().filter(id -> !owners.containsKey(id)).toList();
        if (unknown.isEmpty()) {
            return owners;
        }
        Map<UUID, String> found = Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id, tenant_id FROM exception_record WHERE id = ANY (?)")) {
                ps.setArray(1, c.createArrayOf("uuid", unknown.toArray()));
                Map<UUID, String> rows = new HashMap<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.put(rs.getObject(1, UUID.class), rs.getString(2));
                    }
                }
                return rows;
            }
        });
        knownOwners.putAll(found);
        owners.putAll(found);
        return owners;
    }

    /** Forgets cached statuses (after tenant packs are reloaded). */
    public void invalidate() {
        statusCache.clear();
    }
}

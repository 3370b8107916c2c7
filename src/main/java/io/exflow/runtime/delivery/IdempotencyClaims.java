package io.exflow.runtime.delivery;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Claims (consumer, event) in the handler's transaction. The insert blocks behind a
 * concurrent uncommitted claim of the same pair and then reports the duplicate, so two
 * deliveries can never both pass; a rolled-back handler releases its claim.
 */
@ApplicationScoped
public class IdempotencyClaims {
    private final DataSource dataSource;

    public IdempotencyClaims(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Claims a lane's events with one statement. Ids are inserted in sorted order so two
     * replicas claiming overlapping sets lock the same rows in the same order (no deadlock).
     *
     * @return the ids claimed now; the others were claimed before (duplicates)
     */
    public Set<UUID> claimAll(String consumer, Collection<UUID> eventIds) {
        if (eventIds.isEmpty()) {
            return Set.of();
        }
        UUID[] sorted = eventIds.stream().distinct().sorted().toArray(UUID[]::new);
        return Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO processed_event (consumer, event_id) "
                    + "SELECT ?, id FROM unnest(?::uuid[]) WITH ORDINALITY AS t (id, n) ORDER BY n "
                    + "ON CONFLICT DO NOTHING RETURNING event_id")) {
                ps.setString(1, consumer);
                ps.setArray(2, c.createArrayOf("uuid", sorted));
                Set<UUID> claimed = new HashSet<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        claimed.add(rs.getObject(1, UUID.class));
                    }
                }
                return claimed;
            }
        });
    }

    /** True if (consumer, event) was claimed by a committed transaction: the event had its effect. */
    public boolean isClaimed(String consumer, UUID eventId) {
        return Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM processed_event WHERE consumer = ? AND event_id = ?")) {
                ps.setString(1, consumer);
                ps.setObject(2, eventId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }
}

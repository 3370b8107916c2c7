package io.exflow.runtime.delivery;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
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
 * <p>
 * processed_event is partitioned by claim time, one partition per UTC day, and each partition's
 * primary key is (consumer, event_id) (V7_2). A claim is refused when the pair is in any retained
 * partition (committed earlier claims) or when the insert meets it in its own partition (claims
 * in flight). Two deliveries in flight on either side of midnight would insert into different
 * partitions, so a claim made in the first {@link #BOUNDARY_OVERLAP} of a day is written just
 * before midnight, into the previous day's partition, where it meets such a claim. A duplicate
 * arriving after its claim's partition was dropped (RETENTION_CLAIMS) is taken as new.
 */
@ApplicationScoped
public class IdempotencyClaims {
    /** Longer than a handler transaction can last (its timeout), and than the replicas' clock skew. */
    public static final Duration BOUNDARY_OVERLAP = Duration.ofMinutes(10);

    private final DataSource dataSource;
    private final Clock clock;

    public IdempotencyClaims(DataSource dataSource, Clock clock) {
        this.dataSource = dataSource;
        this.clock = clock;
    }

    /** The claim time written for a claim made at {@code now} (see the class comment). */
    public static Instant claimTime(Instant now) {
        Instant midnight = now.truncatedTo(ChronoUnit.DAYS);
        return now.isBefore(midnight.plus(BOUNDARY_OVERLAP)) ? midnight.minus(1, ChronoUnit.MICROS) : now;
    }

    public Set<UUID> claimAll(String consumer, Collection<UUID> eventIds) {
        return claimAll(consumer, eventIds, clock.instant());
    }

    /**
     * Claims a lane's events with one statement. Ids are inserted in sorted order so two
     * replicas claiming overlapping sets lock the same rows in the same order (no deadlock).
     *
     * @return the ids claimed now; the others were claimed before (duplicates)
     */
    public Set<UUID> claimAll(String consumer, Collection<UUID> eventIds, Instant now) {
        if (eventIds.isEmpty()) {
            return Set.of();
        }
        UUID[] sorted = eventIds.stream().distinct().sorted().toArray(UUID[]::new);
        return Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO processed_event (consumer, event_id, processed_at) "
                    + "SELECT ?, t.id, ? FROM unnest(?::uuid[]) WITH ORDINALITY AS t (id, n) "
                    + "WHERE NOT EXISTS (SELECT 1 FROM processed_event p WHERE p.consumer = ? AND p.event_id = t.id) "
                    + "ORDER BY n ON CONFLICT DO NOTHING RETURNING event_id")) {
                ps.setString(1, consumer);
                ps.setTimestamp(2, Timestamp.from(claimTime(now)));
                ps.setArray(3, c.createArrayOf("uuid", sorted));
                ps.setString(4, consumer);
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

    /** Takes back a claim made in the caller's transaction (the event is dead-lettered instead of run). */
    public void release(String consumer, UUID eventId) {
        Jdbc.update(dataSource, "DELETE FROM processed_event WHERE consumer = ? AND event_id = ?", consumer, eventId);
    }
}

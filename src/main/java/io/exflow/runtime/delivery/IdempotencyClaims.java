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
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
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

    /**
     * An event to claim. {@code parkableKey}: its record's key, when the record must wait behind a
     * retry of that key (records from Kafka); null when it never waits (a record from the retry table).
     */
    public record Candidate(UUID eventId, String parkableKey) {
    }

    /** What a lane's claim found: keys with a retry waiting (their records are parked, not claimed), and the ids claimed now. */
    public record LaneClaims(Set<String> keysWaiting, Set<UUID> claimed) {
    }

    /**
     * Claims the events except those parked behind a waiting retry of their key, and says which
     * keys wait: one statement, so a lane's parking check and claims cost one round trip. Ids are
     * inserted in sorted order so two replicas claiming overlapping sets lock the same rows in the
     * same order (no deadlock); a claimed id not returned was claimed before (a duplicate).
     */
    private static final String CLAIM_UNLESS_PARKED = "WITH waiting AS (" + RetrySchedule.KEYS_WAITING + "), " + """
            claimed AS (
                INSERT INTO processed_event (consumer, event_id, processed_at)
                SELECT ?, t.id, ? FROM unnest(?::uuid[], ?::text[]) WITH ORDINALITY AS t (id, parkable_key, n)
                WHERE NOT EXISTS (SELECT 1 FROM waiting w WHERE w.record_key = t.parkable_key)
                  AND NOT EXISTS (SELECT 1 FROM processed_event p WHERE p.consumer = ? AND p.event_id = t.id)
                ORDER BY n ON CONFLICT DO NOTHING RETURNING event_id
            )
            SELECT record_key, NULL::uuid FROM waiting
            UNION ALL
            SELECT NULL, event_id FROM claimed
            """;

    public LaneClaims claimUnlessParked(String consumer, List<Candidate> candidates) {
        return claimUnlessParked(consumer, candidates, clock.instant());
    }

    /** Claims these events (none is parked). @return the ids claimed now; the others were claimed before */
    public Set<UUID> claimAll(String consumer, Collection<UUID> eventIds) {
        return claimAll(consumer, eventIds, clock.instant());
    }

    public Set<UUID> claimAll(String consumer, Collection<UUID> eventIds, Instant now) {
        return claimUnlessParked(consumer, eventIds.stream().map(id -> new Candidate(id, null)).toList(), now).claimed();
    }

    LaneClaims claimUnlessParked(String consumer, List<Candidate> candidates, Instant now) {
        if (candidates.isEmpty()) {
            return new LaneClaims(Set.of(), Set.of());
        }
        Map<UUID, String> byId = new TreeMap<>(); // sorted ids; a repeated id keeps its first record's key
        candidates.forEach(c -> byId.putIfAbsent(c.eventId(), c.parkableKey()));
        Object[] keys = byId.values().stream().filter(Objects::nonNull).distinct().toArray();
        return Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement(CLAIM_UNLESS_PARKED)) {
                ps.setString(1, consumer);
                ps.setArray(2, c.createArrayOf("text", keys));
                ps.setString(3, consumer);
                ps.setTimestamp(4, Timestamp.from(claimTime(now)));
                ps.setArray(5, c.createArrayOf("uuid", byId.keySet().toArray()));
                ps.setArray(6, c.createArrayOf("text", byId.values().toArray()));
                ps.setString(7, consumer);
                Set<String> waiting = new HashSet<>();
                Set<UUID> claimed = new HashSet<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        UUID id = rs.getObject(2, UUID.class);
                        if (id == null) {
                            waiting.add(rs.getString(1));
                        } else {
                            claimed.add(id);
                        }
                    }
                }
                return new LaneClaims(waiting, claimed);
            }
        });
    }

    /** Takes back a claim made in the caller's transaction (the event is dead-lettered instead of run). */
    public void release(String consumer, UUID eventId) {
        Jdbc.update(dataSource, "DELETE FROM processed_event WHERE consumer = ? AND event_id = ?", consumer, eventId);
    }
}

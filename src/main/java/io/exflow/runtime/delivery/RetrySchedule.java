package io.exflow.runtime.delivery;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import javax.sql.DataSource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.jboss.logging.Logger;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * The durable retry queue: records waiting for another attempt (RETRY), records parked
 * behind an earlier record of the same key (PARKED), and operator replays of dead letters
 * (REPLAY). It lives in PostgreSQL, so a pending retry survives the worker that scheduled it
 * and any replica of the same consumer group may run it.
 */
@ApplicationScoped
public class RetrySchedule {
    private static final Logger LOG = Logger.getLogger(RetrySchedule.class);

    public enum Origin { RETRY, PARKED, REPLAY }

    /** A row claimed (locked) for processing by the caller's transaction. */
    public record Due(long id, String consumer, InboundRecord record, Origin origin, Long deadLetterId) {
    }

    private static final TypeReference<Map<String, String>> HEADERS = new TypeReference<>() {
    };

    private final DataSource dataSource;
    private final ObjectMapper mapper;

    public RetrySchedule(DataSource dataSource, ObjectMapper mapper) {
        this.dataSource = dataSource;
        this.mapper = mapper;
    }

    public void add(String consumer, InboundRecord record, UUID eventId, String eventType, int attempts,
            String lastError, Instant nextAttemptAt, Origin origin, Long deadLetterId) {
        Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO retry_schedule (consumer, record_key, topic, "
                    + "headers, payload, event_id, event_type, attempts, next_attempt_at, last_error, origin, dead_letter_id) "
                    + "VALUES (?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, consumer);
                ps.setString(2, record.key());
                ps.setString(3, record.topic());
                ps.setString(4, json(record.headers()));
                ps.setBytes(5, record.value());
                ps.setObject(6, eventId);
                ps.setString(7, eventType);
                ps.setInt(8, attempts);
                ps.setTimestamp(9, Timestamp.from(nextAttemptAt));
                ps.setString(10, lastError);
                ps.setString(11, origin.name());
                ps.setObject(12, deadLetterId);
                return ps.executeUpdate();
            }
        });
    }

    /** The keys (parameter 2) with a record waiting for the consumer (parameter 1); also a CTE of the lane's claim. */
    static final String KEYS_WAITING = "SELECT DISTINCT record_key FROM retry_schedule WHERE consumer = ? AND record_key = ANY (?::text[])";

    /** Keys among {@code keys} that have a record waiting for {@code consumer}: later records must queue behind it. */
    public Set<String> keysWaiting(String consumer, Collection<String> keys) {
        if (keys.isEmpty()) {
            return Set.of();
        }
        return Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement(KEYS_WAITING)) {
                ps.setString(1, consumer);
                ps.setArray(2, c.createArrayOf("text", keys.toArray()));
                Set<String> waiting = new HashSet<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        waiting.add(rs.getString(1));
                    }
                }
                return waiting;
            }
        });
    }

    /** A due row taken for one run, with the runs started since its last outcome (this one included). */
    public record Lease(long id, int runsStarted) {
    }

    /**
     * Takes the oldest due row that is first in line for its key (a key's later rows wait until its
     * head is gone, which keeps per-key order), skipping rows other replicas hold: counts the run
     * and hides the row for {@code lease}, in one statement committed before the run starts. The
     * count survives a process that dies in the run; a run that reaches an outcome reschedules or
     * removes the row.
     */
    public Optional<Lease> leaseNextDue(String consumer, Duration lease) {
        return Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE retry_schedule SET runs_started = runs_started + 1, "
                    + "next_attempt_at = now() + ? * interval '1 millisecond' WHERE id = (SELECT r.id FROM retry_schedule r "
                    + "WHERE r.consumer = ? AND r.next_attempt_at <= now() AND NOT EXISTS (SELECT 1 FROM retry_schedule p "
                    + "WHERE p.consumer = r.consumer AND p.record_key = r.record_key AND p.id < r.id) "
                    + "ORDER BY r.next_attempt_at, r.id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id, runs_started")) {
                ps.setLong(1, lease.toMillis());
                ps.setString(2, consumer);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(new Lease(rs.getLong(1), rs.getInt(2))) : Optional.empty();
                }
            }
        });
    }

    /** Locks a leased row in the caller's transaction; empty if it is gone or another run holds it. */
    public Optional<Due> claim(String consumer, long id) {
        return Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT r.record_key, r.topic, r.headers::text, "
                    + "r.payload, r.attempts, r.origin, r.dead_letter_id FROM retry_schedule r "
                    + "WHERE r.id = ? AND r.consumer = ? FOR UPDATE SKIP LOCKED")) {
                ps.setLong(1, id);
                ps.setString(2, consumer);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    InboundRecord record = new InboundRecord(rs.getString(2), null, null, rs.getString(1),
                            headers(rs.getString(3)), rs.getBytes(4), rs.getInt(5), id);
                    Long dl = rs.getObject(7) == null ? null : rs.getLong(7);
                    return Optional.of(new Due(id, consumer, record, Origin.valueOf(rs.getString(6)), dl));
                }
            }
        });
    }

    /**
     * Undoes a lease whose run ended without an outcome while this process lives on (the database
     * went away): the run does not count and the row is due again. Best effort: if the database is
     * still away, the lease runs out instead.
     */
    public void giveBack(long id) {
        try {
            Jdbc.update(dataSource, "UPDATE retry_schedule SET runs_started = greatest(runs_started - 1, 0), "
                    + "next_attempt_at = now() WHERE id = ?", id);
        } catch (RuntimeException e) {
            LOG.debugf("could not give back the lease of retry %d (it runs out instead): %s", id, e.getMessage());
        }
    }

    public void remove(long id) {
        Jdbc.update(dataSource, "DELETE FROM retry_schedule WHERE id = ?", id);
    }

    public void reschedule(long id, int attempts, String lastError, Instant nextAttemptAt) {
        Jdbc.update(dataSource, "UPDATE retry_schedule SET attempts = ?, last_error = ?, next_attempt_at = ?, origin = 'RETRY', runs_started = 0 "
                + "WHERE id = ?", attempts, lastError, nextAttemptAt, id);
    }

    private String json(Map<String, String> headers) {
        try {
            return mapper.writeValueAsString(headers);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private Map<String, String> headers(String json) {
        try {
            return mapper.readValue(json, HEADERS);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

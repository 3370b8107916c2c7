package io.exflow.runtime.delivery;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
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

import jakarta.enterprise.context.ApplicationScoped;

/**
 * The durable retry queue: records waiting for another attempt (RETRY), records parked
 * behind an earlier record of the same key (PARKED), and operator replays of dead letters
 * (REPLAY). It lives in PostgreSQL, so a pending retry survives the worker that scheduled it
 * and any replica of the same consumer group may run it.
 */
@ApplicationScoped
public class RetrySchedule {
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

    /** Keys among {@code keys} that have a record waiting for {@code consumer}: later records must queue behind it. */
    public Set<String> keysWaiting(String consumer, Collection<String> keys) {
        if (keys.isEmpty()) {
            return Set.of();
        }
        return Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT DISTINCT record_key FROM retry_schedule WHERE consumer = ? AND record_key = ANY (?)")) {
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

    /**
     * Locks the oldest due row that is first in line for its key, skipping rows other replicas
     * hold. A key's later rows wait until its head is gone, which keeps per-key order.
     */
    public Optional<Due> claimNextDue(String consumer) {
        return Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT r.id, r.record_key, r.topic, r.headers::text, "
                    + "r.payload, r.attempts, r.origin, r.dead_letter_id FROM retry_schedule r "
                    + "WHERE r.consumer = ? AND r.next_attempt_at <= now() AND NOT EXISTS (SELECT 1 FROM retry_schedule p "
                    + "WHERE p.consumer = r.consumer AND p.record_key = r.record_key AND p.id < r.id) "
                    + "ORDER BY r.next_attempt_at, r.id LIMIT 1 FOR UPDATE SKIP LOCKED")) {
                ps.setString(1, consumer);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    long id = rs.getLong(1);
                    InboundRecord record = new InboundRecord(rs.getString(3), null, null, rs.getString(2),
                            headers(rs.getString(4)), rs.getBytes(5), rs.getInt(6), id);
                    Long dl = rs.getObject(8) == null ? null : rs.getLong(8);
                    return Optional.of(new Due(id, consumer, record, Origin.valueOf(rs.getString(7)), dl));
                }
            }
        });
    }

    public void remove(long id) {
        Jdbc.update(dataSource, "DELETE FROM retry_schedule WHERE id = ?", id);
    }

    public void reschedule(long id, int attempts, String lastError, Instant nextAttemptAt) {
        Jdbc.update(dataSource, "UPDATE retry_schedule SET attempts = ?, last_error = ?, next_attempt_at = ?, origin = 'RETRY' "
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

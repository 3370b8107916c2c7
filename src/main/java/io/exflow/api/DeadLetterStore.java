package io.exflow.api;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.exflow.runtime.delivery.DeadLetters;
import io.exflow.runtime.delivery.Jdbc;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

/**
 * Dead letters as operators see them, always inside a {@link Scope}: one tenant's entries, or —
 * for platform admins only — the unattributed ones (tenant_id NULL: the record could not be
 * decoded far enough to know its tenant). An entry outside the caller's scope is "not found".
 */
@ApplicationScoped
public class DeadLetterStore {
    public static final int MAX_LIMIT = 200;
    public static final int MAX_BATCH = 500;
    private static final TypeReference<Map<String, String>> HEADERS = new TypeReference<>() {
    };

    private final DataSource dataSource;
    private final DeadLetters deadLetters;
    private final ObjectMapper mapper;

    public DeadLetterStore(DataSource dataSource, DeadLetters deadLetters, ObjectMapper mapper) {
        this.dataSource = dataSource;
        this.deadLetters = deadLetters;
        this.mapper = mapper;
    }

    /** Which dead letters a request may touch: a tenant's, or (tenantId null) the unattributed ones. */
    public record Scope(String tenantId) {
        String sql() {
            return tenantId == null ? "tenant_id IS NULL" : "tenant_id = ?";
        }

        int bind(PreparedStatement ps, int index) throws SQLException {
            if (tenantId != null) {
                ps.setString(index++, tenantId);
            }
            return index;
        }
    }

    public record Filter(String status, String reason, String consumer, String eventType, Instant since) {
    }

    public record Summary(long id, String consumer, String topic, @Schema(nullable = true) UUID eventId,
            @Schema(nullable = true) String eventType, @Schema(nullable = true) UUID exceptionId,
            @Schema(description = "reason code: docs/events.md, Reason codes") String reason, String error, int attempts,
            @Schema(enumeration = { "PENDING", "REPLAYED", "DISCARDED" }) String status,
            @Schema(nullable = true) String statusActor, @Schema(nullable = true) String statusReason,
            Instant createdAt, Instant updatedAt) {
    }

    public record Page(List<Summary> items,
            @Schema(nullable = true, description = "pass back as cursor for the next page; null on the last") Long nextCursor) {
    }

    public record Stats(long total, Map<String, Long> byStatus, Map<String, Long> byReason, Map<String, Long> byConsumer) {
    }

    /**
     * @param payload      the record's value as text, only when it is UTF-8 JSON (else null)
     * @param payloadBytes size of the value
     */
    public record Entry(Summary summary, @Schema(nullable = true) String recordKey, @Schema(nullable = true) Integer partition,
            @Schema(nullable = true) Long offset, Map<String, String> headers,
            @Schema(nullable = true, description = "the value as text when it is UTF-8 JSON, else null") String payload,
            int payloadBytes, boolean payloadIsJson) {
    }

    private static final String COLUMNS = "id, consumer, topic, event_id, event_type, exception_id, reason, error, "
            + "attempts, status, status_actor, status_reason, created_at, updated_at";

    public Page list(Scope scope, Filter filter, Long cursor, int limit) {
        return Jdbc.with(dataSource, c -> {
            StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM dead_letter WHERE " + scope.sql());
            List<Object> params = new ArrayList<>();
            where(filter, sql, params);
            if (cursor != null) {
                sql.append(" AND id < ?");
                params.add(cursor);
            }
            sql.append(" ORDER BY id DESC LIMIT ?");
            params.add(limit);
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                bind(ps, scope.bind(ps, 1), params);
                List<Summary> items = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        items.add(summary(rs));
                    }
                }
                Long next = items.size() == limit ? items.get(items.size() - 1).id() : null;
                return new Page(items, next);
            }
        });
    }

    public Stats stats(Scope scope) {
        return Jdbc.with(dataSource, c -> {
            Map<String, Long> byStatus = counts(c, scope, "status");
            return new Stats(byStatus.values().stream().mapToLong(Long::longValue).sum(), byStatus,
                    counts(c, scope, "reason"), counts(c, scope, "consumer"));
        });
    }

    public Entry get(Scope scope, long id) {
        return Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + ", record_key, kafka_partition, "
                    + "kafka_offset, headers::text AS headers_json, payload FROM dead_letter WHERE id = ? AND " + scope.sql())) {
                ps.setLong(1, id);
                scope.bind(ps, 2);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return null;
                    }
                    byte[] value = rs.getBytes("payload");
                    String text = jsonText(value);
                    return new Entry(summary(rs), rs.getString("record_key"), (Integer) rs.getObject("kafka_partition"),
                            (Long) rs.getObject("kafka_offset"), mapper.readValue(rs.getString("headers_json"), HEADERS),
                            text, value == null ? 0 : value.length, text != null);
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
            }
        });
    }

    /** Ids of PENDING entries in scope matching the filter (or among the given ids), oldest first. */
    public List<Long> pendingIds(Scope scope, Filter filter, List<Long> ids, int max) {
        return Jdbc.with(dataSource, c -> {
            StringBuilder sql = new StringBuilder("SELECT id FROM dead_letter WHERE status = 'PENDING' AND " + scope.sql());
            List<Object> params = new ArrayList<>();
            if (ids != null) {
                sql.append(" AND id = ANY (?)");
                params.add(ids.toArray(Long[]::new));
            } else {
                where(filter, sql, params);
            }
            sql.append(" ORDER BY id LIMIT ?");
            params.add(max);
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                bind(ps, scope.bind(ps, 1), params);
                List<Long> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getLong(1));
                    }
                }
                return out;
            }
        });
    }

    /** Hands the entry back to the one consumer that failed it (its retry schedule); 404 outside scope, 409 unless PENDING. */
    @Transactional
    public void replay(Scope scope, long id, String actor, String reason) {
        lockPending(scope, id);
        deadLetters.replay(id, actor, reason);
    }

    @Transactional
    public void discard(Scope scope, long id, String actor, String reason) {
        lockPending(scope, id);
        deadLetters.markDiscarded(id, actor, reason);
    }

    private void lockPending(Scope scope, long id) {
        String status = Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT status FROM dead_letter WHERE id = ? AND " + scope.sql()
                    + " FOR UPDATE")) {
                ps.setLong(1, id);
                scope.bind(ps, 2);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getString(1) : null;
                }
            }
        });
        if (status == null) {
            throw ProblemException.notFound("no such dead letter");
        }
        if (!"PENDING".equals(status)) {
            throw ProblemException.conflict("dead-letter-not-pending", "the dead letter is " + status + ", not PENDING");
        }
    }

    private static void where(Filter f, StringBuilder sql, List<Object> params) {
        if (f.status() != null) {
            sql.append(" AND status = ?");
            params.add(f.status());
        }
        if (f.reason() != null) {
            sql.append(" AND reason = ?");
            params.add(f.reason());
        }
        if (f.consumer() != null) {
            sql.append(" AND consumer = ?");
            params.add(f.consumer());
        }
        if (f.eventType() != null) {
            sql.append(" AND event_type = ?");
            params.add(f.eventType());
        }
        if (f.since() != null) {
            sql.append(" AND created_at >= ?");
            params.add(Timestamp.from(f.since()));
        }
    }

    private static void bind(PreparedStatement ps, int from, List<Object> params) throws SQLException {
        for (Object p : params) {
            if (p instanceof Long[] array) {
                ps.setArray(from++, ps.getConnection().createArrayOf("bigint", array));
            } else {
                ps.setObject(from++, p);
            }
        }
    }

    private static Map<String, Long> counts(Connection c, Scope scope, String column) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + column + ", count(*) FROM dead_letter WHERE "
                + scope.sql() + " GROUP BY 1 ORDER BY 1")) {
            scope.bind(ps, 1);
            Map<String, Long> out = new LinkedHashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getLong(2));
                }
            }
            return out;
        }
    }

    private static Summary summary(ResultSet rs) throws SQLException {
        return new Summary(rs.getLong("id"), rs.getString("consumer"), rs.getString("topic"), (UUID) rs.getObject("event_id"),
                rs.getString("event_type"), (UUID) rs.getObject("exception_id"), rs.getString("reason"),
                rs.getString("error"), rs.getInt("attempts"), rs.getString("status"), rs.getString("status_actor"),
                rs.getString("status_reason"), rs.getTimestamp("created_at").toInstant(),
                rs.getTimestamp("updated_at").toInstant());
    }

    /** The value as text if it is valid UTF-8 holding one JSON value; binary or broken payloads are not shown. */
    private String jsonText(byte[] value) {
        if (value == null || value.length == 0) {
            return null;
        }
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(value)).toString();
            mapper.readTree(text);
            return text;
        } catch (CharacterCodingException | com.fasterxml.jackson.core.JsonProcessingException e) {
            return null;
        }
    }
}

package io.exflow.api;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.exflow.runtime.delivery.Jdbc;
import io.exflow.runtime.event.EventKind;
import jakarta.enterprise.context.ApplicationScoped;

/** Read side of an exception for the api, always filtered by tenant: another tenant's id is simply not found. */
@ApplicationScoped
public class ExceptionViews {
    /** State shown between the 202 and intake creating the record. */
    public static final String RECEIVED = "RECEIVED";

    private final DataSource dataSource;
    private final ObjectMapper mapper;

    public ExceptionViews(DataSource dataSource, ObjectMapper mapper) {
        this.dataSource = dataSource;
        this.mapper = mapper;
    }

    public record Approval(boolean approved, String actor, @Schema(nullable = true) String comment, Instant decidedAt) {
    }

    /**
     * @param playbookRun the playbook's progress (step, attempt, status, tools used) once a playbook
     *                    runs; null before
     */
    @Schema(description = "state RECEIVED (accepted, not yet through intake) has every field but id, tenantId and state null")
    public record ExceptionView(UUID id, String tenantId, String state, @Schema(nullable = true) String exceptionType,
            @Schema(nullable = true) String sourceSystem, @Schema(nullable = true) String entityId,
            @Schema(nullable = true) String severity, @Schema(nullable = true) String severitySource,
            @Schema(nullable = true) Instant slaDeadline, @Schema(nullable = true) Instant slaImminentAt,
            @Schema(nullable = true) String decision, @Schema(nullable = true) String playbookId,
            @Schema(nullable = true) String closeOutcome, @Schema(nullable = true) String closeReason,
            @Schema(nullable = true) Instant ingestedAt, @Schema(nullable = true) Instant closedAt,
            @Schema(nullable = true) Instant updatedAt, @Schema(nullable = true) Approval approval,
            @Schema(nullable = true, description = "the playbook run (step, attempt, status, "
                    + "tools used, ...) once a playbook runs") JsonNode playbookRun) {
    }

    public record TimelineEntry(long id, @Schema(nullable = true) UUID eventId,
            @Schema(description = "an event type or a worker's note; docs/events.md, Timeline entries") String eventType,
            String actor, Instant at,
            @Schema(nullable = true, description = "the event's data or the note's detail; "
                    + "null for exflow.exception.ingested (the raw submission is not served)") JsonNode detail) {
    }

    public ExceptionView find(String tenantId, UUID id) {
        return Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT e.*, a.approved, a.actor AS approval_actor, "
                    + "a.comment AS approval_comment, a.decided_at FROM exception_record e "
                    + "LEFT JOIN LATERAL (SELECT * FROM exception_approval x WHERE x.exception_id = e.id ORDER BY x.id DESC "
                    + "LIMIT 1) a ON true WHERE e.id = ? AND e.tenant_id = ?")) {
                ps.setObject(1, id);
                ps.setString(2, tenantId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return received(c, tenantId, id) ? new ExceptionView(id, tenantId, RECEIVED, null, null, null,
                                null, null, null, null, null, null, null, null, null, null, null, null, null) : null;
                    }
                    Approval approval = rs.getObject("approved") == null ? null : new Approval(rs.getBoolean("approved"),
                            rs.getString("approval_actor"), rs.getString("approval_comment"), instant(rs, "decided_at"));
                    return new ExceptionView(id, tenantId, rs.getString("state"), rs.getString("exception_type"),
                            rs.getString("source_system"), rs.getString("entity_id"), rs.getString("severity"),
                            rs.getString("severity_source"), instant(rs, "sla_deadline"), instant(rs, "sla_imminent_at"),
                            rs.getString("decision"), rs.getString("playbook_id"), rs.getString("close_outcome"),
                            rs.getString("close_reason"), instant(rs, "ingested_at"), instant(rs, "closed_at"),
                            instant(rs, "updated_at"), approval, playbookRun(c, tenantId, id));
                }
            }
        });
    }

    /** Every timeline entry of the tenant's exception, in order; empty if it has none (or is not the tenant's). */
    public List<TimelineEntry> timeline(String tenantId, UUID id) {
        return Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id, event_id, event_type, actor, at, detail::text "
                    + "FROM exception_timeline WHERE exception_id = ? AND tenant_id = ? ORDER BY id")) {
                ps.setObject(1, id);
                ps.setString(2, tenantId);
                List<TimelineEntry> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String type = rs.getString(3);
                        // The ingested entry's detail is the raw submission, before PII redaction: never served.
                        JsonNode detail = EventKind.EXCEPTION_INGESTED.type().equals(type) ? null : json(rs.getString(6));
                        out.add(new TimelineEntry(rs.getLong(1), (UUID) rs.getObject(2), type, rs.getString(4),
                                instant(rs, "at"), detail));
                    }
                }
                return out;
            }
        });
    }

    private boolean received(Connection c, String tenantId, UUID id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM exception_timeline WHERE exception_id = ? "
                + "AND tenant_id = ? LIMIT 1")) {
            ps.setObject(1, id);
            ps.setString(2, tenantId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** The playbook worker's run row, if that table exists in this schema (read generically: its columns are the playbook's). */
    private JsonNode playbookRun(Connection c, String tenantId, UUID id) throws SQLException {
        try (PreparedStatement probe = c.prepareStatement("SELECT to_regclass('playbook_run') IS NOT NULL");
                ResultSet exists = probe.executeQuery()) {
            if (!exists.next() || !exists.getBoolean(1)) {
                return null;
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT (to_jsonb(p) - 'tenant_id' - 'exception_id')::text "
                + "FROM playbook_run p WHERE p.exception_id = ? AND p.tenant_id = ?")) {
            ps.setObject(1, id);
            ps.setString(2, tenantId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? json(rs.getString(1)) : null;
            }
        }
    }

    private JsonNode json(String text) {
        try {
            return text == null ? null : mapper.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}

package io.exflow.worker.slamonitor;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import javax.sql.DataSource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.exflow.domain.ExceptionState;
import io.exflow.domain.events.Closed;
import io.exflow.domain.events.SlaAlert;
import io.exflow.domain.events.SlaAlert.Kind;
import io.exflow.packs.LoadedPacks;
import io.exflow.packs.TenantPack;
import io.exflow.runtime.Emission;
import io.exflow.runtime.EventPublisher;
import io.exflow.runtime.delivery.Jdbc;
import io.exflow.runtime.event.EventEnvelope;
import io.exflow.runtime.event.EventKind;
import io.exflow.runtime.tracing.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * One replica's SLA scan. Each batch is one transaction that claims open exceptions past their
 * imminent time or deadline with {@code FOR UPDATE SKIP LOCKED} (another replica's claimed rows
 * are skipped, not waited for), inserts the {@code sla_alert} marker for the pair
 * (exception, kind) with {@code ON CONFLICT DO NOTHING}, and — only when this transaction's
 * insert made the marker — writes the alert event to the outbox and, for a breach of a tenant
 * that escalates on breach, closes the exception as ESCALATED and writes the closed event.
 * Marker, state change and events commit together or not at all, so each (exception, kind)
 * is alerted exactly once whatever the number of replicas and restarts.
 *
 * <p>Instances hold no state between scans; the role runs one, tests run several at once.
 */
public final class SlaScanner {
    public static final String ACTOR = "sla-monitor";

    /** An alert this scanner committed. */
    public record Emitted(UUID exceptionId, String tenantId, Kind kind, boolean escalated, UUID eventId) {
    }

    private record Candidate(UUID id, String tenantId, String exceptionType, String severity, String playbookId,
            Instant ingestedAt, Instant deadline, Instant now, List<String> toolsUsed, String traceParent, String traceState) {
    }

    private final DataSource dataSource;
    private final EventPublisher publisher;
    private final java.util.function.Supplier<LoadedPacks> packs;
    private final SlaMonitorSettings settings;
    private final Set<String> tenantAllowlist;
    private final ObjectMapper mapper;
    private final Tracing tracing;

    public SlaScanner(DataSource dataSource, EventPublisher publisher, java.util.function.Supplier<LoadedPacks> packs,
            SlaMonitorSettings settings, Set<String> tenantAllowlist, ObjectMapper mapper, Tracing tracing) {
        this.tracing = tracing;
        this.dataSource = dataSource;
        this.publisher = publisher;
        this.packs = packs;
        this.settings = settings;
        this.tenantAllowlist = Set.copyOf(tenantAllowlist);
        this.mapper = mapper;
    }

    /**
     * Scans until nothing is left to alert: breaches first (they may escalate), then imminent.
     * Returns what this scanner emitted; every element is committed.
     */
    public List<Emitted> scanOnce() {
        List<Emitted> all = new ArrayList<>();
        for (Kind kind : List.of(Kind.BREACHED, Kind.IMMINENT)) {
            while (true) {
                BatchResult batch = QuarkusTransaction.requiringNew().call(() -> batch(kind));
                all.addAll(batch.emitted);
                if (batch.claimed < settings.batchSize()) {
                    break;
                }
            }
        }
        return all;
    }

    private record BatchResult(int claimed, List<Emitted> emitted) {
    }

    private BatchResult batch(Kind kind) {
        List<Candidate> claimed = Jdbc.with(dataSource, c -> claim(c, kind));
        List<Emitted> emitted = new ArrayList<>();
        for (Candidate candidate : claimed) {
            Emitted e = alert(candidate, kind);
            if (e != null) {
                emitted.add(e);
            }
        }
        return new BatchResult(claimed.size(), emitted);
    }

    /** Locks a batch of due, unmarked, open exceptions of active tenants; rows another replica holds are skipped. */
    private List<Candidate> claim(Connection c, Kind kind) throws SQLException {
        String due = kind == Kind.BREACHED
                ? "e.sla_deadline <= now()"
                // Imminent only before the deadline: an exception first seen past it gets the breach alert alone.
                : "e.sla_deadline > now() AND COALESCE(e.sla_imminent_at, "
                        + "e.ingested_at + (e.sla_deadline - e.ingested_at) * ?::float8) <= now()";
        String sql = "SELECT e.id, e.tenant_id, e.exception_type, e.severity, e.playbook_id, e.ingested_at, "
                + "e.sla_deadline, now() AS scan_now, e.trace_parent, e.trace_state, "
                + "(SELECT r.tools_used::text FROM playbook_run r WHERE r.exception_id = e.id) AS tools_used "
                + "FROM exception_record e JOIN tenant t ON t.id = e.tenant_id AND t.status = 'ACTIVE' "
                + "WHERE e.closed_at IS NULL AND e.sla_deadline IS NOT NULL AND " + due + " "
                + "AND (?::boolean OR e.tenant_id = ANY (?)) "
                + "AND NOT EXISTS (SELECT 1 FROM sla_alert a WHERE a.exception_id = e.id AND a.kind = ?) "
                + "ORDER BY e.sla_deadline, e.id LIMIT ? FOR UPDATE OF e SKIP LOCKED";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            if (kind == Kind.IMMINENT) {
                ps.setDouble(i++, settings.imminentThreshold());
            }
            ps.setBoolean(i++, tenantAllowlist.isEmpty());
            Array tenants = c.createArrayOf("text", tenantAllowlist.toArray());
            ps.setArray(i++, tenants);
            ps.setString(i++, kind.name());
            ps.setInt(i, settings.batchSize());
            List<Candidate> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Candidate(rs.getObject("id", UUID.class), rs.getString("tenant_id"),
                            rs.getString("exception_type"), rs.getString("severity"), rs.getString("playbook_id"),
                            instant(rs.getTimestamp("ingested_at")), instant(rs.getTimestamp("sla_deadline")),
                            instant(rs.getTimestamp("scan_now")), tools(rs.getString("tools_used")),
                            rs.getString("trace_parent"), rs.getString("trace_state")));
                }
            }
            return out;
        }
    }

    /** Makes the marker; emits (and escalates) only if this transaction made it. */
    private Emitted alert(Candidate candidate, Kind kind) {
        TenantPack tenant = packs.get().tenant(candidate.tenantId()).orElse(null);
        boolean escalate = kind == Kind.BREACHED && tenant != null && tenant.escalateOnBreach();
        boolean marked = Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO sla_alert (exception_id, kind, tenant_id, "
                    + "event_id, sla_deadline, escalated, detected_at) VALUES (?, ?, ?, NULL, ?, ?, ?) "
                    + "ON CONFLICT (exception_id, kind) DO NOTHING")) {
                ps.setObject(1, candidate.id());
                ps.setString(2, kind.name());
                ps.setString(3, candidate.tenantId());
                ps.setTimestamp(4, Timestamp.from(candidate.deadline()));
                ps.setBoolean(5, escalate);
                ps.setTimestamp(6, Timestamp.from(candidate.now()));
                return ps.executeUpdate() == 1;
            }
        });
        if (!marked) {
            return null; // another replica's committed (or committing) marker: its alert, not ours
        }
        if (!tracing.enabled()) {
            return emit(candidate, kind, escalate);
        }
        // The alert starts a trace of its own (nothing upstream caused it now) with a link to the exception's trace.
        SpanBuilder builder = tracing.span("exflow.sla_alert " + kind.name().toLowerCase(java.util.Locale.ROOT), SpanKind.PRODUCER,
                Context.root()).setAttribute(Tracing.TENANT, candidate.tenantId())
                .setAttribute(Tracing.EXCEPTION, candidate.id().toString()).setAttribute("exflow.sla.kind", kind.name());
        SpanContext exceptionTrace = Tracing.spanContextOf(candidate.traceParent(), candidate.traceState());
        if (exceptionTrace.isValid()) {
            builder.addLink(exceptionTrace);
        }
        Span span = builder.startSpan();
        try (Scope scope = span.makeCurrent()) {
            Emitted emitted = emit(candidate, kind, escalate);
            span.setAttribute(Tracing.EVENT_ID, emitted.eventId().toString());
            return emitted;
        } catch (RuntimeException e) {
            Tracing.failed(span, e);
            throw e;
        } finally {
            span.end();
        }
    }

    private Emitted emit(Candidate candidate, Kind kind, boolean escalate) {
        EventEnvelope alert = publisher.publish(Emission.of(EventKind.SLA_ALERT,
                new SlaAlert(kind, candidate.severity(), candidate.deadline(), candidate.now(), escalate))
                .about(candidate.tenantId(), candidate.id()).by(ACTOR));
        Jdbc.update(dataSource, "UPDATE sla_alert SET event_id = ? WHERE exception_id = ? AND kind = ?", alert.id(), candidate.id(),
                kind.name());
        if (escalate) {
            escalate(candidate, alert);
        }
        return new Emitted(candidate.id(), candidate.tenantId(), kind, escalate, alert.id());
    }

    /** Closes the (locked, still open) exception as ESCALATED and emits its closed event. */
    private void escalate(Candidate candidate, EventEnvelope cause) {
        String reason = "SLA breached: deadline " + candidate.deadline() + " passed";
        int updated = Jdbc.update(dataSource, "UPDATE exception_record SET state = ?, close_outcome = ?, close_reason = ?, "
                + "closed_at = ?, updated_at = now() WHERE id = ? AND closed_at IS NULL", ExceptionState.ESCALATED.name(),
                ExceptionState.ESCALATED.name(), reason, candidate.now(), candidate.id());
        if (updated != 1) {
            // The row is locked by this transaction and was open when claimed: anything else is a bug.
            throw new IllegalStateException("exception " + candidate.id() + " was closed while locked by the SLA scan");
        }
        publisher.publish(Emission.of(EventKind.EXCEPTION_CLOSED,
                new Closed(ExceptionState.ESCALATED.name(), reason, candidate.exceptionType(), candidate.severity(),
                        candidate.playbookId(), false, candidate.toolsUsed(), candidate.ingestedAt(), candidate.now(),
                        candidate.deadline()))
                .about(candidate.tenantId(), candidate.id()).by(ACTOR).causedBy(null, cause.id().toString()));
    }

    private List<String> tools(String json) {
        if (json == null) {
            return List.of();
        }
        try {
            List<String> out = new ArrayList<>();
            mapper.readTree(json).forEach(n -> out.add(n.isTextual() ? n.asText() : n.path("tool").asText(n.toString())));
            return List.copyOf(out);
        } catch (JsonProcessingException e) {
            return List.of();
        }
    }

    private static Instant instant(Timestamp ts) {
        return ts == null ? null : ts.toInstant();
    }
}

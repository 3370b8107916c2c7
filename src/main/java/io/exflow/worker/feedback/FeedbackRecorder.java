package io.exflow.worker.feedback;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.sql.DataSource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.exflow.domain.events.Closed;
import io.exflow.domain.events.SlaAlert;
import io.exflow.runtime.delivery.AfterCommit;
import io.exflow.runtime.HandlerContext;
import io.exflow.runtime.delivery.Jdbc;
import io.exflow.runtime.delivery.PermanentFailure;
import io.exflow.runtime.delivery.ReasonCode;
import io.exflow.runtime.event.EventEnvelope;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Feedback's store: one outcome row per exception ({@code exception_outcome}) and one row per
 * exception and SLA alert kind ({@code feedback_sla_alert}), each written with
 * {@code ON CONFLICT DO NOTHING} in the handler's transaction, so a closed event delivered twice
 * — or a second closed event for the same exception — is recorded once. Metrics are counted only
 * when the row was new and its transaction committed.
 */
@ApplicationScoped
public class FeedbackRecorder {
    private final DataSource dataSource;
    private final ObjectMapper mapper;
    private final MeterRegistry registry;
    private final AfterCommit afterCommit;

    public FeedbackRecorder(DataSource dataSource, ObjectMapper mapper, MeterRegistry registry,
            AfterCommit afterCommit) {
        this.dataSource = dataSource;
        this.mapper = mapper;
        this.registry = registry;
        this.afterCommit = afterCommit;
    }

    /** Records the outcome of a closed exception; false if it was already recorded. */
    boolean recordClosed(EventEnvelope event, Closed closed, HandlerContext context) {
        if (closed.outcome() == null || closed.outcome().isBlank() || closed.closedAt() == null) {
            throw new PermanentFailure(ReasonCode.VALIDATION_FAILED, "closed event needs outcome and closedAt");
        }
        String outcome = closed.outcome().trim().toUpperCase(Locale.ROOT);
        if (!List.of("RESOLVED", "ESCALATED", "BLOCKED").contains(outcome)) {
            throw new PermanentFailure(ReasonCode.VALIDATION_FAILED, "unknown outcome " + closed.outcome());
        }
        Stored record = recordOf(event);
        String exceptionType = closed.exceptionType() != null ? closed.exceptionType() : record.exceptionType;
        if (exceptionType == null) {
            throw new PermanentFailure(ReasonCode.VALIDATION_FAILED, "closed event without exceptionType for an unknown exception");
        }
        Instant ingestedAt = closed.ingestedAt() != null ? closed.ingestedAt() : record.ingestedAt;
        Instant deadline = closed.slaDeadline() != null ? closed.slaDeadline() : record.slaDeadline;
        Duration toResolve = ingestedAt == null ? null : Duration.between(ingestedAt, closed.closedAt());
        if (toResolve != null && toResolve.isNegative()) {
            toResolve = Duration.ZERO;
        }
        Boolean slaMet = deadline == null ? null : !closed.closedAt().isAfter(deadline);
        List<String> tools = closed.toolsUsed() == null ? List.of() : closed.toolsUsed();
        Duration took = toResolve;
        boolean inserted = Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO exception_outcome (exception_id, tenant_id, "
                    + "exception_type, severity, playbook_id, outcome, reason, auto_resolved, tools_used, ingested_at, "
                    + "closed_at, time_to_resolve_ms, sla_deadline, sla_met, closed_event_id) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?) ON CONFLICT (exception_id) DO NOTHING")) {
                ps.setObject(1, event.exceptionId());
                ps.setString(2, event.tenantId());
                ps.setString(3, exceptionType);
                ps.setString(4, closed.severity() != null ? closed.severity() : record.severity);
                ps.setString(5, closed.playbookId() != null ? closed.playbookId() : record.playbookId);
                ps.setString(6, outcome);
                ps.setString(7, closed.reason());
                ps.setBoolean(8, closed.autoResolved() && "RESOLVED".equals(outcome));
                ps.setString(9, json(tools));
                ps.setTimestamp(10, ingestedAt == null ? null : Timestamp.from(ingestedAt));
                ps.setTimestamp(11, Timestamp.from(closed.closedAt()));
                ps.setObject(12, took == null ? null : took.toMillis(), java.sql.Types.BIGINT);
                ps.setTimestamp(13, deadline == null ? null : Timestamp.from(deadline));
                ps.setObject(14, slaMet, java.sql.Types.BOOLEAN);
                ps.setObject(15, event.id());
                return ps.executeUpdate() == 1;
            }
        });
        if (!inserted) {
            context.note("exflow.feedback.outcome-already-recorded", Map.of("outcome", outcome));
            return false;
        }
        String tenant = event.tenantId();
        String outcomeTag = outcome.toLowerCase(Locale.ROOT);
        boolean auto = closed.autoResolved() && "RESOLVED".equals(outcome);
        afterCommit.run(() -> {
            Counter.builder("exflow.exceptions.closed").description("Exceptions closed, by tenant and outcome")
                    .tag("tenant", tenant).tag("outcome", outcomeTag).register(registry).increment();
            if (auto) {
                Counter.builder("exflow.exceptions.auto.resolved").description("Exceptions resolved without a person")
                        .tag("tenant", tenant).register(registry).increment();
            }
            if (took != null) {
                Timer.builder("exflow.exception.time.to.resolve").description("Ingestion to close, per tenant and outcome")
                        .tag("tenant", tenant).tag("outcome", outcomeTag).publishPercentileHistogram()
                        .maximumExpectedValue(Duration.ofDays(7)).register(registry).record(took);
            }
            if (slaMet != null) {
                Counter.builder("exflow.sla.outcomes").description("Closed exceptions by whether their SLA was met")
                        .tag("tenant", tenant).tag("result", slaMet ? "met" : "breached").register(registry).increment();
            }
        });
        return true;
    }

    /** Records an SLA alert; false if this exception's alert of that kind was already recorded. */
    boolean recordAlert(EventEnvelope event, SlaAlert alert, HandlerContext context) {
        if (alert.kind() == null) {
            throw new PermanentFailure(ReasonCode.VALIDATION_FAILED, "SLA alert without kind");
        }
        Instant detected = alert.detectedAt() != null ? alert.detectedAt() : event.time();
        boolean inserted = Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO feedback_sla_alert (exception_id, kind, tenant_id, "
                    + "severity, escalated, detected_at, event_id) VALUES (?, ?, ?, ?, ?, ?, ?) "
                    + "ON CONFLICT (exception_id, kind) DO NOTHING")) {
                ps.setObject(1, event.exceptionId());
                ps.setString(2, alert.kind().name());
                ps.setString(3, event.tenantId());
                ps.setString(4, alert.severity());
                ps.setBoolean(5, alert.escalated());
                ps.setTimestamp(6, Timestamp.from(detected == null ? Instant.now() : detected));
                ps.setObject(7, event.id());
                return ps.executeUpdate() == 1;
            }
        });
        if (!inserted) {
            context.note("exflow.feedback.alert-already-recorded", Map.of("kind", alert.kind().name()));
            return false;
        }
        String tenant = event.tenantId();
        String kind = alert.kind().name().toLowerCase(Locale.ROOT);
        afterCommit.run(() -> Counter.builder("exflow.sla.alerts.recorded").description("SLA alerts recorded by feedback")
                .tag("tenant", tenant).tag("kind", kind).register(registry).increment());
        return true;
    }

    private record Stored(String exceptionType, String severity, String playbookId, Instant ingestedAt, Instant slaDeadline) {
    }

    /** The exception record's values, for fields an older or external producer left out of the event. */
    private Stored recordOf(EventEnvelope event) {
        return Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT exception_type, severity, playbook_id, ingested_at, "
                    + "sla_deadline FROM exception_record WHERE id = ? AND tenant_id = ?")) {
                ps.setObject(1, event.exceptionId());
                ps.setString(2, event.tenantId());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return new Stored(null, null, null, null, null);
                    }
                    return new Stored(rs.getString(1), rs.getString(2), rs.getString(3), instant(rs.getTimestamp(4)),
                            instant(rs.getTimestamp(5)));
                }
            }
        });
    }


    private String json(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Instant instant(Timestamp ts) {
        return ts == null ? null : ts.toInstant();
    }
}

package io.exflow.api;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import io.exflow.domain.ExceptionState;
import io.exflow.domain.events.Decided;
import io.exflow.runtime.Emission;
import io.exflow.runtime.EventPublisher;
import io.exflow.runtime.config.WorkerRole;
import io.exflow.runtime.delivery.Jdbc;
import io.exflow.runtime.event.EventEnvelope;
import io.exflow.runtime.event.EventKind;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

/**
 * A person approves or rejects an exception that policy sent for approval. Only an exception in
 * {@code AWAITING_APPROVAL} can be answered (409 otherwise), and only once per wait: the record is
 * locked {@code FOR UPDATE} and the answer moves it to {@code APPROVAL_ANSWERED}, so two approvals
 * racing on two replicas yield one decision. The answer is an {@code exflow.exception.decided}
 * event (APPROVED with the chosen playbook, or REJECTED) through the outbox, in the same transaction.
 */
@ApplicationScoped
public class Approvals {
    public static final int MAX_COMMENT_CHARS = 2000;

    private final DataSource dataSource;
    private final EventPublisher publisher;

    public Approvals(DataSource dataSource, EventPublisher publisher) {
        this.dataSource = dataSource;
        this.publisher = publisher;
    }

    public record Answer(UUID exceptionId, UUID eventId, Decided.Decision decision) {
    }

    private record Pending(String state, String playbookId) {
    }

    @Transactional
    public Answer decide(String tenantId, UUID exceptionId, boolean approve, String comment, String actor) {
        Pending pending = Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT state, playbook_id FROM exception_record "
                    + "WHERE id = ? AND tenant_id = ? FOR UPDATE")) {
                ps.setObject(1, exceptionId);
                ps.setString(2, tenantId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? new Pending(rs.getString(1), rs.getString(2)) : null;
                }
            }
        });
        if (pending == null) {
            throw ProblemException.notFound("no such exception");
        }
        if (!ExceptionState.AWAITING_APPROVAL.name().equals(pending.state())) {
            throw ProblemException.conflict("not-awaiting-approval",
                    "the exception is " + pending.state() + ", not AWAITING_APPROVAL");
        }
        Decided.Decision decision = approve ? Decided.Decision.APPROVED : Decided.Decision.REJECTED;
        List<String> reasons = new ArrayList<>();
        reasons.add((approve ? "approved by " : "rejected by ") + actor);
        if (comment != null && !comment.isBlank()) {
            reasons.add("comment: " + comment);
        }
        EventEnvelope event = publisher.publish(Emission.of(EventKind.EXCEPTION_DECIDED,
                new Decided(decision, approve ? pending.playbookId() : null, reasons, actor)).about(tenantId, exceptionId)
                .by(WorkerRole.API.id()));
        Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO exception_approval (exception_id, tenant_id, "
                    + "approved, actor, comment, event_id) VALUES (?, ?, ?, ?, ?, ?)")) {
                ps.setObject(1, exceptionId);
                ps.setString(2, tenantId);
                ps.setBoolean(3, approve);
                ps.setString(4, actor);
                ps.setString(5, comment);
                ps.setObject(6, event.id());
                return ps.executeUpdate();
            }
        });
        Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE exception_record SET decision = ?, state = ?, "
                    + "updated_at = now() WHERE id = ?")) {
                ps.setString(1, decision.name());
                ps.setString(2, ExceptionState.APPROVAL_ANSWERED.name());
                ps.setObject(3, exceptionId);
                return ps.executeUpdate();
            }
        });
        return new Answer(exceptionId, event.id(), decision);
    }
}

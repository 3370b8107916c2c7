package io.exflow.runtime.delivery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.exflow.runtime.metrics.ExflowMetrics.Outcome;

/**
 * What one transaction produced: outbox and timeline rows written just before it commits, then,
 * once it has, outbox rows to publish and outcomes to count. Discarded with the transaction on
 * rollback.
 */
final class UnitOfWork {
    record Counted(String eventType, Outcome outcome, String deadLetterReason, Duration took) {
    }

    /** A record retried or dead-lettered by this transaction, traced once it commits (event is null when undecodable). */
    record Failed(InboundRecord record, io.exflow.runtime.event.EventEnvelope event, Outcome outcome, String reason, int attempt) {
    }

    /** Outbox rows written by the transaction, published once it committed. */
    final List<Outbox.Stored> written = new ArrayList<>();
    final PendingWrites pending = new PendingWrites();
    final List<Counted> outcomes = new ArrayList<>();
    final List<Failed> failed = new ArrayList<>(0);
    /** The lane transaction's span (null when untraced), and whether it is its one event's child (a lane of one). */
    io.opentelemetry.api.trace.Span span;
    boolean spanInEventTrace;

    void count(String eventType, Outcome outcome, Duration took) {
        outcomes.add(new Counted(eventType, outcome, null, took));
    }

    void countDeadLetter(String eventType, ReasonCode reason) {
        outcomes.add(new Counted(eventType, Outcome.DEAD_LETTERED, reason.name(), Duration.ZERO));
    }
}

package io.exflow.runtime.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

import org.jboss.logging.MDC;

import io.exflow.runtime.EventHandler;
import io.exflow.runtime.EventPublisher;
import io.exflow.runtime.event.EventEnvelope;
import io.exflow.runtime.metrics.ExflowMetrics;
import io.exflow.runtime.metrics.ExflowMetrics.Outcome;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The transaction scope of a lane: inside one PostgreSQL transaction, rejected records are
 * dead-lettered, and one statement parks the records behind a pending retry of their key and
 * claims the rest; their handlers load what they need with one statement each, and run; the
 * outbox and timeline rows are written with one statement just before commit. After commit
 * the outcomes are counted and the outbox rows handed to the relay.
 */
@ApplicationScoped
public class LaneTransaction {
    private final IdempotencyClaims claims;
    private final RetrySchedule retries;
    private final FailurePolicy failures;
    private final EventPublisher publisher;
    private final Outbox outbox;
    private final Timeline timeline;
    private final AfterCommit afterCommit;
    private final ExflowMetrics metrics;
    private final DeliverySpans spans;

    public LaneTransaction(IdempotencyClaims claims, RetrySchedule retries, FailurePolicy failures, EventPublisher publisher,
            Outbox outbox, Timeline timeline, AfterCommit afterCommit, ExflowMetrics metrics, DeliverySpans spans) {
        this.spans = spans;
        this.claims = claims;
        this.retries = retries;
        this.failures = failures;
        this.publisher = publisher;
        this.outbox = outbox;
        this.timeline = timeline;
        this.afterCommit = afterCommit;
        this.metrics = metrics;
    }

    /** Runs {@code body} in a new transaction and writes the work's pending outbox and timeline rows before it commits. */
    <T> T run(UnitOfWork work, Callable<T> body) {
        return QuarkusTransaction.requiringNew().call(() -> {
            T result = body.call();
            work.written.addAll(work.pending.flush(outbox, timeline));
            return result;
        });
    }

    /**
     * Records an outcome decided outside a lane — a failure, a quarantine — in a transaction of its
     * own, then counts it and hands its rows to the relay.
     *
     * @throws DeliveryEngine.DeliveryStalled if it could not be made durable: the record must be delivered again
     */
    void recordOutcome(Subscriber subscriber, Consumer<UnitOfWork> body) {
        UnitOfWork work = new UnitOfWork();
        try {
            run(work, () -> {
                body.accept(work);
                return null;
            });
        } catch (RuntimeException e) {
            throw new DeliveryEngine.DeliveryStalled(e);
        }
        committed(subscriber, work);
    }

    /** {@link #run} for a lane's records, inside the lane transaction's span when tracing is on. */
    <T> T run(UnitOfWork work, Subscriber subscriber, List<CheckedRecord> checked, Callable<T> body) {
        if (!spans.enabled()) {
            return run(work, body);
        }
        spans.startTransaction(subscriber.consumerGroup(), checked, work);
        RuntimeException failure = null;
        try (Scope scope = work.span.makeCurrent()) {
            return run(work, body);
        } catch (RuntimeException e) {
            failure = e;
            throw e;
        } finally {
            spans.endTransaction(work, failure);
        }
    }

    /** The records' outcomes, inside the caller's transaction. Handler exceptions propagate. */
    void handleAll(Subscriber subscriber, List<CheckedRecord> checked, OutsideStep.Prepared prepared, UnitOfWork work) {
        String consumer = subscriber.consumerGroup();
        IdempotencyClaims.LaneClaims laneClaims = claims.claimUnlessParked(consumer, checked.stream().filter(CheckedRecord::accepted)
                .map(c -> new IdempotencyClaims.Candidate(c.event().id(), c.parkableKey()))
                .toList());
        Set<String> waiting = laneClaims.keysWaiting();
        Set<UUID> claimed = new HashSet<>(laneClaims.claimed());
        preload(checked, claimed);
        for (CheckedRecord c : checked) {
            EventEnvelope event = c.event();
            if (!c.accepted()) {
                failures.reject(subscriber, c, work);
            } else if (c.parkedBy(waiting)) {
                retries.add(consumer, c.record(), event.id(), event.type(), 0, null, Instant.now(), RetrySchedule.Origin.PARKED, null);
                work.count(event.type(), Outcome.PARKED, Duration.ZERO);
            } else if (!claimed.remove(event.id())) { // claimed before, or a second copy within this lane
                work.count(event.type(), Outcome.DUPLICATE, Duration.ZERO);
            } else {
                long started = System.nanoTime();
                runHandler(subscriber, c, work, prepared.valueFor(event));
                work.count(event.type(), Outcome.PROCESSED,
                        Duration.ofNanos(System.nanoTime() - started + prepared.nanosFor(event)));
            }
        }
    }

    /** Each handler loads (and locks) what it needs for all of the lane's claimed events with one statement. */
    private static void preload(List<CheckedRecord> checked, Set<UUID> claimed) {
        Map<EventHandler, List<EventEnvelope>> byHandler = new LinkedHashMap<>();
        for (CheckedRecord c : checked) {
            if (c.accepted() && claimed.contains(c.event().id())) {
                byHandler.computeIfAbsent(c.handler(), h -> new ArrayList<>()).add(c.event());
            }
        }
        byHandler.forEach(EventHandler::preload);
    }

    private void runHandler(Subscriber subscriber, CheckedRecord c, UnitOfWork work, Object prepared) {
        EventEnvelope event = c.event();
        int attempt = c.record().priorAttempts() + 1;
        MDC.put("tenantId", event.tenantId());
        MDC.put("exceptionId", event.exceptionId().toString());
        MDC.put("eventId", event.id().toString());
        MDC.put("correlationId", event.correlationId());
        Span span = spans.enabled() ? spans.startHandler(subscriber.consumerGroup(), event, attempt, work) : null;
        try (Scope scope = span == null ? Scope.noop() : span.makeCurrent()) {
            if (span != null) {
                MDC.put("traceId", span.getSpanContext().getTraceId());
                MDC.put("spanId", span.getSpanContext().getSpanId());
            }
            c.handler().handle(event, new LaneContext(publisher, subscriber, event, attempt, work, prepared));
        } catch (RuntimeException e) {
            if (span != null) {
                io.exflow.runtime.tracing.Tracing.failed(span, e);
            }
            throw e;
        } finally {
            if (span != null) {
                span.end();
                MDC.remove("traceId");
                MDC.remove("spanId");
            }
            MDC.remove("tenantId");
            MDC.remove("exceptionId");
            MDC.remove("eventId");
            MDC.remove("correlationId");
        }
    }

    /** The transaction committed: count its outcomes and hand its outbox rows to the relay. */
    void committed(Subscriber subscriber, UnitOfWork work) {
        for (UnitOfWork.Counted c : work.outcomes) {
            metrics.outcome(subscriber.consumerGroup(), c.eventType(), c.outcome());
            if (c.deadLetterReason() != null) {
                metrics.deadLettered(subscriber.consumerGroup(), c.deadLetterReason());
            }
            if (c.outcome() == Outcome.PROCESSED) {
                metrics.processingTime(subscriber.consumerGroup(), c.eventType(), c.took());
            }
        }
        afterCommit.committed(work.written);
        if (!work.failed.isEmpty() && spans.enabled()) {
            spans.failures(subscriber.consumerGroup(), work.failed);
        }
    }
}

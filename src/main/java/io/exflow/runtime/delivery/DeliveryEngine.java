package io.exflow.runtime.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import io.exflow.runtime.EventHandler;
import io.exflow.runtime.EventPublisher;
import io.exflow.runtime.HandlerContext;
import io.exflow.runtime.config.ExflowSettings;
import io.exflow.runtime.event.CloudEventCodec;
import io.exflow.runtime.event.EventEnvelope;
import io.exflow.runtime.event.EventKind;
import io.exflow.runtime.metrics.ExflowMetrics;
import io.exflow.runtime.metrics.ExflowMetrics.Outcome;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Turns delivered records into durable outcomes. For each record, inside one database
 * transaction: decode, keep per-key order behind pending retries, check the event type,
 * schema version and tenant, claim (consumer, event id), run the handler, and write its
 * emitted events to the outbox. Records of a lane (one slice of keys) share a transaction;
 * if any of them fails the lane is redone one record per transaction so only the failing
 * record is retried or dead-lettered. Returning normally means every record's outcome —
 * processed, duplicate, parked, retry scheduled or dead-lettered — is committed, so its
 * offset may be committed. {@link DeliveryStalled} means it is not (the database is out of
 * reach): the caller must deliver those records again.
 */
@ApplicationScoped
public class DeliveryEngine {
    private static final Logger LOG = Logger.getLogger(DeliveryEngine.class);

    private final ExflowSettings settings;
    private final CloudEventCodec codec;
    private final IdempotencyClaims claims;
    private final EventPublisher publisher;
    private final OutboxRelay relay;
    private final Timeline timeline;
    private final RetrySchedule retries;
    private final DeadLetters deadLetters;
    private final TenantGuard tenantGuard;
    private final ExflowMetrics metrics;
    private final FaultInjector faults;

    public DeliveryEngine(ExflowSettings settings, CloudEventCodec codec, IdempotencyClaims claims,
            EventPublisher publisher, OutboxRelay relay, Timeline timeline, RetrySchedule retries, DeadLetters deadLetters, TenantGuard tenantGuard,
            ExflowMetrics metrics, FaultInjector faults) {
        this.settings = settings;
        this.codec = codec;
        this.claims = claims;
        this.publisher = publisher;
        this.relay = relay;
        this.timeline = timeline;
        this.retries = retries;
        this.deadLetters = deadLetters;
        this.tenantGuard = tenantGuard;
        this.metrics = metrics;
        this.faults = faults;
    }

    /** Thrown when an outcome could not be made durable; the records must be delivered again. */
    public static final class DeliveryStalled extends RuntimeException {
        DeliveryStalled(Throwable cause) {
            super("could not record an outcome: " + FailureClassifier.describe(cause), cause);
        }
    }

    /**
     * Processes a polled batch on the consumer's lanes: records with the same key go to the
     * same lane, in order; lanes run concurrently.
     */
    public void processBatch(Subscriber subscriber, List<InboundRecord> records) {
        int lanes = Math.max(1, Math.min(settings.concurrency(), records.size()));
        Map<Integer, List<InboundRecord>> byLane = new LinkedHashMap<>();
        for (InboundRecord r : records) {
            byLane.computeIfAbsent(Math.floorMod(r.key().hashCode(), lanes), k -> new ArrayList<>()).add(r);
        }
        if (byLane.size() == 1) {
            processLane(subscriber, records);
            return;
        }
        List<Future<?>> running = new ArrayList<>();
        for (List<InboundRecord> lane : byLane.values()) {
            running.add(subscriber.lanes().submit(() -> processLane(subscriber, lane)));
        }
        RuntimeException first = null;
        for (Future<?> f : running) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (first == null) {
                    first = e.getCause() instanceof RuntimeException re ? re : new DeliveryStalled(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                first = new DeliveryStalled(e);
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private void processLane(Subscriber subscriber, List<InboundRecord> lane) {
        var inFlight = metrics.inFlight(subscriber.consumer());
        inFlight.addAndGet(lane.size());
        try {
            UnitOfWork work = new UnitOfWork();
            try {
                inTransaction(() -> {
                    Set<String> waiting = retries.keysWaiting(subscriber.consumer(), lane.stream().map(InboundRecord::key).toList());
                    for (InboundRecord record : lane) {
                        process(subscriber, record, waiting, work);
                    }
                    return null;
                });
            } catch (RuntimeException sharedFailure) {
                if (sharedFailure instanceof FaultInjector.Crash || FailureClassifier.isConnectivity(sharedFailure)) {
                    throw sharedFailure instanceof FaultInjector.Crash ? sharedFailure : new DeliveryStalled(sharedFailure);
                }
                if (lane.size() == 1) {
                    handleFailure(subscriber, lane.get(0), sharedFailure);
                    return;
                }
                LOG.debugf("lane of %d records failed together, redoing one per transaction: %s", lane.size(),
                        FailureClassifier.describe(sharedFailure));
                for (InboundRecord record : lane) {
                    processAlone(subscriber, record);
                }
                return;
            }
            afterCommit(subscriber, work);
        } finally {
            inFlight.addAndGet(-lane.size());
        }
    }

    private void processAlone(Subscriber subscriber, InboundRecord record) {
        UnitOfWork work = new UnitOfWork();
        try {
            inTransaction(() -> {
                process(subscriber, record, retries.keysWaiting(subscriber.consumer(), List.of(record.key())), work);
                return null;
            });
        } catch (RuntimeException failure) {
            handleFailure(subscriber, record, failure);
            return;
        }
        afterCommit(subscriber, work);
    }

    /**
     * Runs the oldest due retry of this consumer, if any.
     *
     * @return false when nothing was due
     */
    public boolean runNextRetry(Subscriber subscriber) {
        UnitOfWork work = new UnitOfWork();
        RetrySchedule.Due[] claimed = new RetrySchedule.Due[1];
        try {
            Optional<RetrySchedule.Due> due = inTransaction(() -> {
                Optional<RetrySchedule.Due> next = retries.claimNextDue(subscriber.consumer());
                if (next.isPresent()) {
                    claimed[0] = next.get();
                    process(subscriber, next.get().record(), Set.of(), work);
                    retries.remove(next.get().id());
                }
                return next;
            });
            if (due.isEmpty()) {
                return false;
            }
        } catch (RuntimeException failure) {
            if (claimed[0] == null) {
                throw new DeliveryStalled(failure);
            }
            handleFailure(subscriber, claimed[0].record(), failure);
            return true;
        }
        afterCommit(subscriber, work);
        return true;
    }

    /** The per-record pipeline, inside the caller's transaction. Handler exceptions propagate. */
    private void process(Subscriber subscriber, InboundRecord record, Set<String> keysWaiting, UnitOfWork work) {
        long started = System.nanoTime();
        String consumer = subscriber.consumer();
        EventEnvelope event;
        try {
            if (record.size() > settings.maxEventBytes()) {
                throw new PermanentFailure(ReasonCode.PAYLOAD_TOO_LARGE,
                        "event is " + record.size() + " bytes, limit " + settings.maxEventBytes());
            }
            event = codec.decode(record.headers(), record.value());
        } catch (PermanentFailure p) {
            deadLetter(subscriber, record, identityOf(record, null), p.reason(), p.getMessage(), record.priorAttempts() + 1, work);
            return;
        }
        if (record.retryRowId() == null && keysWaiting.contains(record.key())) {
            // An earlier record of this key waits for a retry: queue behind it to keep the key's order.
            retries.add(consumer, record, event.id(), event.type(), 0, null, Instant.now(), RetrySchedule.Origin.PARKED, null);
            work.count(event.type(), Outcome.PARKED, Duration.ZERO);
            return;
        }
        EventHandler handler = subscriber.handlers().get(event.type());
        ReasonCode rejected = null;
        String why = null;
        if (handler == null) {
            rejected = ReasonCode.UNSUPPORTED_EVENT_TYPE;
            why = "consumer " + consumer + " does not handle events of type '" + event.type() + "'";
        } else if (event.schemaVersion() > handler.consumes().schemaVersion()) {
            rejected = ReasonCode.SCHEMA_VERSION_UNSUPPORTED;
            why = "schema version " + event.schemaVersion() + " is newer than " + handler.consumes().schemaVersion()
                    + ", the newest this build understands";
        } else {
            try {
                tenantGuard.check(consumer, event);
            } catch (PermanentFailure p) {
                rejected = p.reason();
                why = p.getMessage();
            }
        }
        if (rejected != null) {
            deadLetter(subscriber, record, identityOf(record, event), rejected, why, record.priorAttempts() + 1, work);
            return;
        }
        if (!claims.claim(consumer, event.id())) {
            work.count(event.type(), Outcome.DUPLICATE, Duration.ZERO);
            return;
        }
        MDC.put("tenantId", event.tenantId());
        MDC.put("exceptionId", event.exceptionId().toString());
        MDC.put("eventId", event.id().toString());
        MDC.put("correlationId", event.correlationId());
        try {
            handler.handle(event, new Context(subscriber, event, record.priorAttempts() + 1, work));
        } finally {
            MDC.remove("tenantId");
            MDC.remove("exceptionId");
            MDC.remove("eventId");
            MDC.remove("correlationId");
        }
        work.count(event.type(), Outcome.PROCESSED, Duration.ofNanos(System.nanoTime() - started));
    }

    /** The record's transaction rolled back: schedule a retry or dead-letter it, durably. */
    private void handleFailure(Subscriber subscriber, InboundRecord record, RuntimeException failure) {
        if (failure instanceof FaultInjector.Crash || failure instanceof DeliveryStalled) {
            throw failure;
        }
        if (FailureClassifier.isConnectivity(failure)) {
            throw new DeliveryStalled(failure);
        }
        UnitOfWork work = new UnitOfWork();
        try {
            inTransaction(() -> {
                recordFailure(subscriber, record, failure, work);
                return null;
            });
        } catch (RuntimeException e) {
            throw new DeliveryStalled(e);
        }
        afterCommit(subscriber, work);
    }

    private void recordFailure(Subscriber subscriber, InboundRecord record, RuntimeException failure, UnitOfWork work) {
        EventEnvelope event = tryDecode(record);
        DeadLetters.Identity identity = identityOf(record, event);
        int attempts = record.priorAttempts() + 1;
        PermanentFailure permanent = FailureClassifier.permanentCause(failure);
        if (permanent != null) {
            deadLetter(subscriber, record, identity, permanent.reason(), permanent.getMessage(), attempts, work);
            return;
        }
        String error = FailureClassifier.describe(failure);
        if (attempts >= settings.retry().maxAttemptsFor(identity.eventType())) {
            deadLetter(subscriber, record, identity, ReasonCode.RETRIES_EXHAUSTED,
                    "gave up after " + attempts + " attempts: " + error, attempts, work);
            return;
        }
        Instant next = Instant.now().plus(Backoff.delay(attempts, settings.retry().initialBackoff(), settings.retry().maxBackoff()));
        if (record.retryRowId() == null) {
            retries.add(subscriber.consumer(), record, identity.eventId(), identity.eventType(), attempts, error, next,
                    RetrySchedule.Origin.RETRY, null);
        } else {
            retries.reschedule(record.retryRowId(), attempts, error, next);
        }
        LOG.infof("retry %d of event %s for %s scheduled at %s: %s", attempts, identity.eventId(), subscriber.consumer(), next, error);
        work.count(identity.eventType(), Outcome.RETRY_SCHEDULED, Duration.ZERO);
    }

    private void deadLetter(Subscriber subscriber, InboundRecord record, DeadLetters.Identity identity, ReasonCode reason,
            String error, int attempts, UnitOfWork work) {
        long outboxId = deadLetters.add(subscriber.consumer(), record, identity, reason, error, attempts);
        if (record.retryRowId() != null) {
            retries.remove(record.retryRowId());
        }
        if (outboxId < 0) {
            work.count(identity.eventType(), Outcome.DUPLICATE, Duration.ZERO);
            return;
        }
        work.outboxIds.add(outboxId);
        work.countDeadLetter(identity.eventType(), reason);
        if (reason != ReasonCode.TENANT_REJECTED && identity.exceptionId() != null && identity.tenantId() != null) {
            timeline.append(identity.exceptionId(), identity.tenantId(), identity.eventId(), "exflow.deadletter",
                    subscriber.role().id(), Map.of("reason", reason.name(), "consumer", subscriber.consumer()));
        }
        LOG.warnf("dead-lettered record %s/%s/%s for %s: %s %s", record.topic(), record.partition(), record.offset(),
                subscriber.consumer(), reason, error);
    }

    private void afterCommit(Subscriber subscriber, UnitOfWork work) {
        for (UnitOfWork.Counted c : work.outcomes) {
            metrics.outcome(subscriber.consumer(), c.eventType(), c.outcome());
            if (c.deadLetterReason() != null) {
                metrics.deadLettered(subscriber.consumer(), c.deadLetterReason());
            }
            if (c.outcome() == Outcome.PROCESSED) {
                metrics.processingTime(subscriber.consumer(), c.eventType(), c.took());
            }
        }
        faults.hit(FaultInjector.Point.AFTER_COMMIT_BEFORE_PUBLISH);
        relay.publishSoon(work.outboxIds);
    }

    private EventEnvelope tryDecode(InboundRecord record) {
        try {
            return codec.decode(record.headers(), record.value());
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Best-effort identity for a dead letter, from the decoded event or whatever headers can be read. */
    private static DeadLetters.Identity identityOf(InboundRecord record, EventEnvelope event) {
        if (event != null) {
            return new DeadLetters.Identity(event.id(), event.type(), event.tenantId(), event.exceptionId());
        }
        UUID id = uuidOrNull(record.header("ce_id"));
        return new DeadLetters.Identity(id == null ? record.syntheticId() : id, record.header("ce_type"),
                record.header("ce_tenantid"), uuidOrNull(record.header("ce_exceptionid")));
    }

    private static UUID uuidOrNull(String s) {
        try {
            return s == null ? null : UUID.fromString(s.trim());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static <T> T inTransaction(Callable<T> work) {
        return QuarkusTransaction.requiringNew().call(work);
    }

    /** The handler's view of its transaction. */
    private final class Context implements HandlerContext {
        private final Subscriber subscriber;
        private final EventEnvelope event;
        private final int attempt;
        private final UnitOfWork work;

        Context(Subscriber subscriber, EventEnvelope event, int attempt, UnitOfWork work) {
            this.subscriber = subscriber;
            this.event = event;
            this.attempt = attempt;
            this.work = work;
        }

        @Override
        public EventEnvelope emit(EventKind kind, Object data) {
            EventPublisher.Written written = publisher.write(kind, subscriber.role().id(), event.tenantId(),
                    event.exceptionId(), event.correlationId(), event.id().toString(), data);
            work.outboxIds.add(written.outboxId());
            return written.event();
        }

        @Override
        public EventEnvelope enqueue(EventKind kind, String queue, Object data) {
            EventPublisher.Written written = publisher.writeToQueue(kind, queue, subscriber.role().id(), event.tenantId(),
                    event.exceptionId(), event.correlationId(), event.id().toString(), data);
            work.outboxIds.add(written.outboxId());
            return written.event();
        }

        @Override
        public void note(String entryType, Object detail) {
            timeline.append(event.exceptionId(), event.tenantId(), event.id(), entryType, subscriber.role().id(), detail);
        }

        @Override
        public String consumer() {
            return subscriber.consumer();
        }

        @Override
        public int attempt() {
            return attempt;
        }
    }
}

package io.exflow.runtime.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
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
import io.exflow.runtime.PreparingHandler;
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
    /**
     * A lane is worth its own transaction only with this many records: a poll of five records
     * is one transaction, not five, while a backlog still spreads over CONCURRENCY lanes.
     */
    private static final int MIN_RECORDS_PER_LANE = 8;

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
    private final Outbox outbox;

    public DeliveryEngine(ExflowSettings settings, CloudEventCodec codec, IdempotencyClaims claims,
            EventPublisher publisher, OutboxRelay relay, Timeline timeline, RetrySchedule retries, DeadLetters deadLetters, TenantGuard tenantGuard,
            ExflowMetrics metrics, FaultInjector faults, Outbox outbox) {
        this.outbox = outbox;
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
        int lanes = Math.max(1, Math.min(settings.concurrency(), (records.size() + MIN_RECORDS_PER_LANE - 1) / MIN_RECORDS_PER_LANE));
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
            List<Checked> checked;
            Prepared prepared;
            try {
                checked = check(subscriber, lane);
            } catch (RuntimeException e) {
                if (FailureClassifier.isConnectivity(e)) {
                    throw new DeliveryStalled(e);
                }
                for (InboundRecord record : lane) { // e.g. a lock timeout on the tenant lookup: retry each record later
                    handleFailure(subscriber, record, e);
                }
                return;
            }
            prepared = prepareOrNone(subscriber, checked);
            UnitOfWork work = new UnitOfWork();
            try {
                inTransaction(work, () -> {
                    processChecked(subscriber, checked, prepared, work);
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
                for (Checked one : checked) {
                    processAlone(subscriber, one, prepared);
                }
                return;
            }
            afterCommit(subscriber, work);
        } finally {
            inFlight.addAndGet(-lane.size());
        }
    }

    private void processAlone(Subscriber subscriber, Checked one, Prepared prepared) {
        UnitOfWork work = new UnitOfWork();
        try {
            inTransaction(work, () -> {
                processChecked(subscriber, List.of(one), prepared, work);
                return null;
            });
        } catch (RuntimeException failure) {
            handleFailure(subscriber, one.record(), failure);
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
            Optional<RetrySchedule.Due> due = inTransaction(work, () -> {
                Optional<RetrySchedule.Due> next = retries.claimNextDue(subscriber.consumer());
                if (next.isPresent()) {
                    claimed[0] = next.get();
                    List<Checked> checked = check(subscriber, List.of(next.get().record()));
                    processChecked(subscriber, checked, prepare(subscriber, checked, false), work);
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

    /** A record after the checks that need no transaction: its event and handler, or why it is rejected. */
    private record Checked(InboundRecord record, EventEnvelope event, EventHandler handler, PermanentFailure rejected) {
        boolean accepted() {
            return rejected == null;
        }

        /** Parked behind an earlier record of its key that waits for a retry (records from the retry table never are). */
        boolean parkedBy(Set<String> keysWaiting) {
            return record.retryRowId() == null && keysWaiting.contains(record.key());
        }
    }

    /** What preparing handlers returned, per event id, and each event's share of the time it took. */
    private record Prepared(Map<UUID, Object> values, Map<UUID, Long> nanos) {
        static final Prepared NONE = new Prepared(Map.of(), Map.of());
    }

    /**
     * Size, decoding, event type, schema version and tenant — everything that rejects a record
     * without looking at what was processed before — with one tenant-owner lookup for the lane.
     */
    private List<Checked> check(Subscriber subscriber, List<InboundRecord> lane) {
        List<Checked> checked = new ArrayList<>(lane.size());
        List<Integer> forGuard = new ArrayList<>();
        for (InboundRecord record : lane) {
            EventEnvelope event;
            try {
                if (record.size() > settings.maxEventBytes()) {
                    throw new PermanentFailure(ReasonCode.PAYLOAD_TOO_LARGE,
                            "event is " + record.size() + " bytes, limit " + settings.maxEventBytes());
                }
                event = codec.decode(record.headers(), record.value());
            } catch (PermanentFailure p) {
                checked.add(new Checked(record, null, null, p));
                continue;
            }
            EventHandler handler = subscriber.handlers().get(event.type());
            if (handler == null) {
                checked.add(new Checked(record, event, null, new PermanentFailure(ReasonCode.UNSUPPORTED_EVENT_TYPE,
                        "consumer " + subscriber.consumer() + " does not handle events of type '" + event.type() + "'")));
            } else if (event.schemaVersion() > handler.consumes().schemaVersion()) {
                checked.add(new Checked(record, event, handler, new PermanentFailure(ReasonCode.SCHEMA_VERSION_UNSUPPORTED,
                        "schema version " + event.schemaVersion() + " is newer than " + handler.consumes().schemaVersion()
                                + ", the newest this build understands")));
            } else {
                forGuard.add(checked.size());
                checked.add(new Checked(record, event, handler, null));
            }
        }
        List<PermanentFailure> tenantProblems = tenantGuard.checkAll(subscriber.consumer(),
                forGuard.stream().map(i -> checked.get(i).event()).toList());
        for (int i = 0; i < forGuard.size(); i++) {
            if (tenantProblems.get(i) != null) {
                Checked c = checked.get(forGuard.get(i));
                checked.set(forGuard.get(i), new Checked(c.record(), c.event(), c.handler(), tenantProblems.get(i)));
            }
        }
        return checked;
    }

    /**
     * Runs the outside step of {@link PreparingHandler}s for the accepted records, before their
     * transaction. Records that will be parked are left out (their turn comes later).
     */
    private Prepared prepare(Subscriber subscriber, List<Checked> checked, boolean skipParked) {
        Map<PreparingHandler, List<Checked>> byHandler = new LinkedHashMap<>();
        for (Checked c : checked) {
            if (c.accepted() && c.handler() instanceof PreparingHandler preparing) {
                byHandler.computeIfAbsent(preparing, h -> new ArrayList<>()).add(c);
            }
        }
        if (byHandler.isEmpty()) {
            return Prepared.NONE;
        }
        Map<UUID, Object> values = new HashMap<>();
        Map<UUID, Long> nanos = new HashMap<>();
        for (Map.Entry<PreparingHandler, List<Checked>> entry : byHandler.entrySet()) {
            List<Checked> candidates = entry.getValue();
            if (skipParked) {
                Set<String> waiting = retries.keysWaiting(subscriber.consumer(), candidates.stream().map(c -> c.record().key()).toList());
                candidates = candidates.stream().filter(c -> !c.parkedBy(waiting)).toList();
            }
            if (candidates.isEmpty()) {
                continue;
            }
            long started = System.nanoTime();
            values.putAll(entry.getKey().prepare(candidates.stream().map(Checked::event).toList()));
            long share = (System.nanoTime() - started) / candidates.size();
            candidates.forEach(c -> nanos.put(c.event().id(), share));
        }
        return new Prepared(values, nanos);
    }

    /**
     * A failed outside step leaves the handlers without prepared values (they handle that case
     * anyway); only an unreachable database holds the batch back.
     */
    private Prepared prepareOrNone(Subscriber subscriber, List<Checked> checked) {
        try {
            return prepare(subscriber, checked, true);
        } catch (RuntimeException e) {
            if (FailureClassifier.isConnectivity(e)) {
                throw new DeliveryStalled(e);
            }
            LOG.warnf("%s: preparing a batch failed, handling it unprepared: %s", subscriber.consumer(), FailureClassifier.describe(e));
            return Prepared.NONE;
        }
    }

    /**
     * The records' outcomes, inside the caller's transaction: dead letters for rejected records,
     * parking behind pending retries to keep each key's order, one claim statement for the rest,
     * then each handler in order. Handler exceptions propagate.
     */
    private void processChecked(Subscriber subscriber, List<Checked> checked, Prepared prepared, UnitOfWork work) {
        String consumer = subscriber.consumer();
        Set<String> waiting = retries.keysWaiting(consumer, checked.stream()
                .filter(c -> c.accepted() && c.record().retryRowId() == null).map(c -> c.record().key()).distinct().toList());
        Set<UUID> claimed = new HashSet<>(claims.claimAll(consumer, checked.stream()
                .filter(c -> c.accepted() && !c.parkedBy(waiting)).map(c -> c.event().id()).toList()));
        for (Checked c : checked) {
            long started = System.nanoTime();
            InboundRecord record = c.record();
            EventEnvelope event = c.event();
            if (!c.accepted()) {
                deadLetter(subscriber, record, identityOf(record, event), c.rejected().reason(), c.rejected().getMessage(),
                        record.priorAttempts() + 1, work);
                continue;
            }
            if (c.parkedBy(waiting)) {
                retries.add(consumer, record, event.id(), event.type(), 0, null, Instant.now(), RetrySchedule.Origin.PARKED, null);
                work.count(event.type(), Outcome.PARKED, Duration.ZERO);
                continue;
            }
            if (!claimed.remove(event.id())) { // claimed before, or a second copy within this lane
                work.count(event.type(), Outcome.DUPLICATE, Duration.ZERO);
                continue;
            }
            MDC.put("tenantId", event.tenantId());
            MDC.put("exceptionId", event.exceptionId().toString());
            MDC.put("eventId", event.id().toString());
            MDC.put("correlationId", event.correlationId());
            try {
                c.handler().handle(event, new Context(subscriber, event, record.priorAttempts() + 1, work, prepared.values().get(event.id())));
            } finally {
                MDC.remove("tenantId");
                MDC.remove("exceptionId");
                MDC.remove("eventId");
                MDC.remove("correlationId");
            }
            work.count(event.type(), Outcome.PROCESSED,
                    Duration.ofNanos(System.nanoTime() - started + prepared.nanos().getOrDefault(event.id(), 0L)));
        }
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
            inTransaction(work, () -> {
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
            work.pending.add(new PendingWrites.TimelineEntry(identity.exceptionId(), identity.tenantId(), identity.eventId(),
                    "exflow.deadletter", subscriber.role().id(), Map.of("reason", reason.name(), "consumer", subscriber.consumer())));
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

    /** Runs {@code body} in a new transaction and writes the work's pending outbox and timeline rows before it commits. */
    private <T> T inTransaction(UnitOfWork work, Callable<T> body) {
        return QuarkusTransaction.requiringNew().call(() -> {
            T result = body.call();
            work.outboxIds.addAll(work.pending.flush(outbox, timeline));
            return result;
        });
    }

    /** The handler's view of its transaction. */
    private final class Context implements HandlerContext {
        private final Subscriber subscriber;
        private final EventEnvelope event;
        private final int attempt;
        private final UnitOfWork work;
        private final Object prepared;

        Context(Subscriber subscriber, EventEnvelope event, int attempt, UnitOfWork work, Object prepared) {
            this.subscriber = subscriber;
            this.event = event;
            this.attempt = attempt;
            this.work = work;
            this.prepared = prepared;
        }

        @Override
        public EventEnvelope emit(EventKind kind, Object data) {
            return publisher.write(work.pending, kind, subscriber.role().id(), event.tenantId(), event.exceptionId(),
                    event.correlationId(), event.id().toString(), data, null);
        }

        @Override
        public EventEnvelope enqueue(EventKind kind, String queue, Object data) {
            return publisher.writeToQueue(work.pending, kind, queue, subscriber.role().id(), event.tenantId(),
                    event.exceptionId(), event.correlationId(), event.id().toString(), data);
        }

        @Override
        public void note(String entryType, Object detail) {
            work.pending.add(new PendingWrites.TimelineEntry(event.exceptionId(), event.tenantId(), event.id(), entryType,
                    subscriber.role().id(), detail));
        }

        @Override
        public <T> T prepared(Class<T> type) {
            return prepared == null ? null : type.cast(prepared);
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

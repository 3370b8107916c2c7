package io.exflow.runtime.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.jboss.logging.Logger;

import io.exflow.runtime.config.ExflowSettings;
import io.exflow.runtime.event.EventEnvelope;
import io.exflow.runtime.metrics.ExflowMetrics.Outcome;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * What happens to a record that failed, inside the transaction that records it: a permanent
 * failure is dead-lettered at once; anything else gets a durable retry with backoff, until the
 * event type's attempt limit, and is then dead-lettered RETRIES_EXHAUSTED.
 */
@ApplicationScoped
public class FailurePolicy {
    private static final Logger LOG = Logger.getLogger(FailurePolicy.class);

    private final ExflowSettings settings;
    private final RetrySchedule retries;
    private final DeadLetters deadLetters;
    private final IdempotencyClaims claims;

    public FailurePolicy(ExflowSettings settings, RetrySchedule retries, DeadLetters deadLetters, IdempotencyClaims claims) {
        this.claims = claims;
        this.settings = settings;
        this.retries = retries;
        this.deadLetters = deadLetters;
    }

    /** Records a retry or a dead letter for {@code record}, whose own transaction rolled back. */
    void recordFailure(Subscriber subscriber, InboundRecord record, EventEnvelope event, RuntimeException failure,
            UnitOfWork work) {
        DeadLetters.Identity identity = identityOf(record, event);
        int attempts = record.priorAttempts() + 1;
        PermanentFailure permanent = FailureClassifier.permanentCause(failure);
        if (permanent != null) {
            deadLetter(subscriber, record, event, identity, permanent.reason(), permanent.getMessage(), attempts, work);
            return;
        }
        String error = FailureClassifier.describe(failure);
        if (attempts >= settings.retry().maxAttemptsFor(identity.eventType())) {
            deadLetter(subscriber, record, event, identity, ReasonCode.RETRIES_EXHAUSTED,
                    "gave up after " + attempts + " attempts: " + error, attempts, work);
            return;
        }
        Instant next = Instant.now().plus(Backoff.delay(attempts, settings.retry().initialBackoff(), settings.retry().maxBackoff()));
        if (record.retryRowId() == null) {
            retries.add(subscriber.consumerGroup(), record, identity.eventId(), identity.eventType(), attempts, error, next,
                    RetrySchedule.Origin.RETRY, null);
        } else {
            retries.reschedule(record.retryRowId(), attempts, error, next);
        }
        LOG.infof("retry %d of event %s for %s scheduled at %s: %s", attempts, identity.eventId(), subscriber.consumerGroup(), next, error);
        work.count(identity.eventType(), Outcome.RETRY_SCHEDULED, Duration.ZERO);
        work.failed.add(new UnitOfWork.Failed(record, event, Outcome.RETRY_SCHEDULED, null, attempts));
    }

    /**
     * Dead-letters a record that was delivered {@code deliveries} times without reaching an outcome
     * (the process handling it ended each time) — unless it had its effect before (its claim
     * exists: the offset commit was what got lost), which makes it a duplicate. The claim is taken
     * rather than looked up, so a copy whose claim another consumer has not committed yet waits for
     * it instead of missing it; taken here, it is released again, so the dead letter can be replayed.
     */
    void quarantine(Subscriber subscriber, InboundRecord record, EventEnvelope event, int deliveries, UnitOfWork work) {
        DeadLetters.Identity identity = identityOf(record, event);
        if (event != null) {
            if (claims.claimAll(subscriber.consumerGroup(), List.of(event.id())).isEmpty()) {
                if (record.retryRowId() != null) {
                    retries.remove(record.retryRowId());
                }
                work.count(identity.eventType(), Outcome.DUPLICATE, Duration.ZERO);
                return;
            }
            claims.release(subscriber.consumerGroup(), event.id());
        }
        deadLetter(subscriber, record, event, identity, ReasonCode.POISON_CRASH, "delivered " + deliveries
                + " times without reaching an outcome: the process handling it ended each time", deliveries, work);
    }

    /** Dead-letters a record the checks rejected. */
    void reject(Subscriber subscriber, CheckedRecord rejected, UnitOfWork work) {
        deadLetter(subscriber, rejected.record(), rejected.event(), identityOf(rejected.record(), rejected.event()),
                rejected.rejected().reason(), rejected.rejected().getMessage(), rejected.record().priorAttempts() + 1, work);
    }

    private void deadLetter(Subscriber subscriber, InboundRecord record, EventEnvelope event, DeadLetters.Identity identity,
            ReasonCode reason, String error, int attempts, UnitOfWork work) {
        boolean added = deadLetters.add(subscriber.consumerGroup(), record, identity, reason, error, attempts, work.pending);
        if (record.retryRowId() != null) {
            retries.remove(record.retryRowId());
        }
        if (!added) {
            work.count(identity.eventType(), Outcome.DUPLICATE, Duration.ZERO);
            return;
        }
        work.countDeadLetter(identity.eventType(), reason);
        work.failed.add(new UnitOfWork.Failed(record, event, Outcome.DEAD_LETTERED, reason.name(), record.priorAttempts() + 1));
        if (reason != ReasonCode.TENANT_REJECTED && identity.exceptionId() != null && identity.tenantId() != null) {
            work.pending.add(new PendingWrites.TimelineEntry(identity.exceptionId(), identity.tenantId(), identity.eventId(),
                    "exflow.deadletter", subscriber.role().id(), Map.of("reason", reason.name(), "consumer", subscriber.consumerGroup())));
        }
        LOG.warnf("dead-lettered record %s/%s/%s for %s: %s %s", record.topic(), record.partition(), record.offset(),
                subscriber.consumerGroup(), reason, error);
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
}

package io.exflow.runtime.delivery;

import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import org.jboss.logging.Logger;

import io.exflow.runtime.config.ExflowSettings;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Keeps a record whose handling ends the process from ending the next process too. Every polled
 * batch is counted durably before it runs ({@link DeliveryCounts}); a batch holding a record
 * that was delivered before without reaching an outcome runs one record at a time, each run
 * counted before it starts, so only the record that kills processes accumulates runs. Once it
 * has been delivered POISON_MAX_DELIVERIES times it is dead-lettered POISON_CRASH without
 * running again, and its partition moves on. Durable retries are counted the same way, per run
 * ({@link RetrySchedule#leaseNextDue}).
 */
@ApplicationScoped
public class CrashLoopQuarantine {
    private static final Logger LOG = Logger.getLogger(CrashLoopQuarantine.class);

    private final ExflowSettings settings;
    private final DeliveryCounts counts;
    private final RecordChecks checks;
    private final LaneTransaction lane;
    private final FailurePolicy failures;
    private final RetrySchedule retries;

    public CrashLoopQuarantine(ExflowSettings settings, DeliveryCounts counts, RecordChecks checks,
            LaneTransaction lane, FailurePolicy failures, RetrySchedule retries) {
        this.retries = retries;
        this.settings = settings;
        this.counts = counts;
        this.checks = checks;
        this.lane = lane;
        this.failures = failures;
    }

    /** Counts the batch's deliveries (one statement); how many of its records were delivered before. */
    int countBatch(Subscriber subscriber, List<InboundRecord> records) {
        Set<DeliveryCounts.Position> seenBefore;
        try {
            seenBefore = counts.countBatch(subscriber.consumerGroup(), records);
        } catch (RuntimeException e) {
            throw new DeliveryEngine.DeliveryStalled(e);
        }
        return seenBefore.size();
    }

    /**
     * Runs a batch that holds records delivered before: each alone, in order, through
     * {@code runAlone}, unless it has used up its deliveries.
     */
    void runOneAtATime(Subscriber subscriber, List<InboundRecord> records, int seenBefore,
            Consumer<List<InboundRecord>> runAlone) {
        String consumer = subscriber.consumerGroup();
        LOG.warnf("%s: %d of %d records were delivered before without reaching an outcome; running them one at a time",
                consumer, seenBefore, records.size());
        for (InboundRecord record : records) {
            if (record.partition() == null || record.offset() == null) {
                runAlone.accept(List.of(record));
                continue;
            }
            int runs; // this run alone included, so with the batch delivery before it: the earlier deliveries
            try {
                runs = counts.countSoloRun(consumer, record);
            } catch (RuntimeException e) {
                throw new DeliveryEngine.DeliveryStalled(e);
            }
            if (usedUp(runs)) {
                quarantine(subscriber, record, runs);
            } else {
                runAlone.accept(List.of(record));
            }
            try {
                counts.settled(consumer, record);
            } catch (RuntimeException e) {
                throw new DeliveryEngine.DeliveryStalled(e);
            }
        }
    }

    /** Whether a record delivered (or a retry run) this many times before, each without an outcome, must not run again. */
    boolean usedUp(int earlierDeliveries) {
        return earlierDeliveries >= settings.poisonMaxDeliveries();
    }

    /** Dead-letters a crash-looping retry POISON_CRASH without running it, unless another run holds it. */
    void quarantineRetry(Subscriber subscriber, long retryId, int earlierRuns) {
        lane.recordOutcome(subscriber, work -> retries.claim(subscriber.consumerGroup(), retryId).ifPresent(due ->
                failures.quarantine(subscriber, due.record(), checks.tryDecode(due.record()), earlierRuns, work)));
    }

    /** Dead-letters a crash-looping record POISON_CRASH without running it (a duplicate if it had its effect before). */
    private void quarantine(Subscriber subscriber, InboundRecord record, int deliveries) {
        lane.recordOutcome(subscriber, work -> failures.quarantine(subscriber, record, checks.tryDecode(record), deliveries, work));
    }
}

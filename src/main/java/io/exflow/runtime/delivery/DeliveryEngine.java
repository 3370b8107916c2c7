package io.exflow.runtime.delivery;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import org.jboss.logging.Logger;

import io.exflow.runtime.config.ExflowSettings;
import io.exflow.runtime.metrics.ExflowMetrics;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Turns delivered records into durable outcomes, in the steps of docs/runtime.md: plan lanes
 * ({@link Lanes}); per lane, check each record ({@link RecordChecks}), run the outside step of
 * preparing handlers ({@link OutsideStep}), then one transaction for the lane
 * ({@link LaneTransaction}). If the lane's transaction fails it is redone one record per
 * transaction, so only the failing record is retried or dead-lettered ({@link FailurePolicy}).
 * Returning normally means every record's outcome — processed, duplicate, parked, retry
 * scheduled or dead-lettered — is committed, so its offset may be committed.
 * {@link DeliveryStalled} means it is not (the database is out of reach): the caller must
 * deliver those records again.
 */
@ApplicationScoped
public class DeliveryEngine {
    private static final Logger LOG = Logger.getLogger(DeliveryEngine.class);

    private final ExflowSettings settings;
    private final RecordChecks checks;
    private final OutsideStep outside;
    private final LaneTransaction lane;
    private final FailurePolicy failures;
    private final RetrySchedule retries;
    private final ExflowMetrics metrics;
    private final CrashLoopQuarantine crashLoops;

    public DeliveryEngine(ExflowSettings settings, RecordChecks checks, OutsideStep outside, LaneTransaction lane,
            FailurePolicy failures, RetrySchedule retries, ExflowMetrics metrics, CrashLoopQuarantine crashLoops) {
        this.crashLoops = crashLoops;
        this.settings = settings;
        this.checks = checks;
        this.outside = outside;
        this.lane = lane;
        this.failures = failures;
        this.retries = retries;
        this.metrics = metrics;
    }

    /** Thrown when an outcome could not be made durable; the records must be delivered again. */
    public static final class DeliveryStalled extends RuntimeException {
        DeliveryStalled(Throwable cause) {
            super("could not record an outcome: " + FailureClassifier.describe(cause), cause);
        }
    }

    /**
     * Processes a polled batch: lanes run concurrently (the first on the calling thread), each
     * lane's records in order. The batch's deliveries are counted durably first (one statement); a
     * batch holding a record that was delivered before without reaching an outcome runs one record
     * at a time instead ({@link CrashLoopQuarantine}).
     */
    public void processBatch(Subscriber subscriber, List<InboundRecord> records) {
        int seenBefore = crashLoops.countBatch(subscriber, records);
        if (seenBefore > 0) {
            crashLoops.runOneAtATime(subscriber, records, seenBefore, alone -> processLane(subscriber, alone));
            return;
        }
        List<List<InboundRecord>> lanes = Lanes.plan(records, settings.concurrency());
        if (lanes.size() == 1) {
            processLane(subscriber, lanes.get(0));
            return;
        }
        // The other lanes go to the subscriber's lane threads; the calling thread runs the first one
        // itself rather than wait idle (one hand-off less, and with several loops sharing the lane
        // threads, as the tool's queue loops do, each loop still makes progress of its own).
        List<Future<?>> running = new ArrayList<>();
        for (List<InboundRecord> one : lanes.subList(1, lanes.size())) {
            running.add(subscriber.lanes().submit(() -> processLane(subscriber, one)));
        }
        RuntimeException first = null;
        try {
            processLane(subscriber, lanes.get(0));
        } catch (RuntimeException e) {
            first = e; // after the other lanes have ended: the batch is delivered again only once none runs
        }
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

    private void processLane(Subscriber subscriber, List<InboundRecord> records) {
        var inFlight = metrics.inFlight(subscriber.consumerGroup());
        inFlight.addAndGet(records.size());
        try {
            List<CheckedRecord> checked;
            try {
                checked = checks.check(subscriber, records);
            } catch (RuntimeException e) { // e.g. a lock timeout on the tenant lookup: retry each record later
                records.forEach(record -> recordFailure(subscriber, record, e));
                return;
            }
            OutsideStep.Prepared prepared = outside.prepare(subscriber, checked, true);
            UnitOfWork work = new UnitOfWork();
            long started = System.nanoTime();
            try {
                lane.run(work, subscriber, checked, () -> {
                    lane.handleAll(subscriber, checked, prepared, work);
                    return null;
                });
                metrics.hop(ExflowMetrics.HopStage.LANE_TRANSACTION, subscriber.consumerGroup(), System.nanoTime() - started);
            } catch (RuntimeException laneFailure) {
                if (FailureClassifier.isConnectivity(laneFailure)) {
                    throw new DeliveryStalled(laneFailure);
                }
                if (checked.size() == 1) {
                    recordFailure(subscriber, records.get(0), laneFailure);
                    return;
                }
                LOG.debugf("lane of %d records failed together, redoing one per transaction: %s", checked.size(),
                        FailureClassifier.describe(laneFailure));
                checked.forEach(one -> processAlone(subscriber, one, prepared));
                return;
            }
            lane.committed(subscriber, work);
        } finally {
            inFlight.addAndGet(-records.size());
        }
    }

    private void processAlone(Subscriber subscriber, CheckedRecord one, OutsideStep.Prepared prepared) {
        UnitOfWork work = new UnitOfWork();
        try {
            lane.run(work, subscriber, List.of(one), () -> {
                lane.handleAll(subscriber, List.of(one), prepared, work);
                return null;
            });
        } catch (RuntimeException failure) {
            recordFailure(subscriber, one.record(), failure);
            return;
        }
        lane.committed(subscriber, work);
    }

    /**
     * Runs the oldest due retry of this consumer, if any. Its run is counted before it starts, so a
     * retry whose runs end the process is quarantined like a Kafka record ({@link CrashLoopQuarantine}).
     *
     * @return false when nothing was due
     */
    public boolean runNextRetry(Subscriber subscriber) {
        Optional<RetrySchedule.Lease> lease;
        try {
            lease = retries.leaseNextDue(subscriber.consumerGroup(), settings.retry().runLease());
        } catch (RuntimeException e) {
            throw new DeliveryStalled(e);
        }
        if (lease.isEmpty()) {
            return false;
        }
        int earlierRuns = lease.get().runsStarted() - 1;
        if (crashLoops.usedUp(earlierRuns)) {
            crashLoops.quarantineRetry(subscriber, lease.get().id(), earlierRuns);
            return true;
        }
        UnitOfWork work = new UnitOfWork();
        RetrySchedule.Due[] claimed = new RetrySchedule.Due[1];
        try {
            lane.run(work, () -> {
                Optional<RetrySchedule.Due> due = retries.claim(subscriber.consumerGroup(), lease.get().id());
                if (due.isPresent()) {
                    claimed[0] = due.get();
                    List<CheckedRecord> checked = checks.check(subscriber, List.of(due.get().record()));
                    lane.handleAll(subscriber, checked, outside.prepare(subscriber, checked, false), work);
                    retries.remove(due.get().id());
                }
                return null;
            });
        } catch (RuntimeException failure) {
            if (claimed[0] == null || failure instanceof DeliveryStalled || FailureClassifier.isConnectivity(failure)) {
                retries.giveBack(lease.get().id()); // the run ended without an outcome, but not with the process
                throw failure instanceof DeliveryStalled stalled ? stalled : new DeliveryStalled(failure);
            }
            recordFailure(subscriber, claimed[0].record(), failure);
            return true;
        }
        lane.committed(subscriber, work);
        return true;
    }

    /** The record's transaction rolled back: schedule a retry or dead-letter it, durably. */
    private void recordFailure(Subscriber subscriber, InboundRecord record, RuntimeException failure) {
        if (failure instanceof DeliveryStalled || FailureClassifier.isConnectivity(failure)) {
            throw failure instanceof DeliveryStalled stalled ? stalled : new DeliveryStalled(failure);
        }
        lane.recordOutcome(subscriber, work -> failures.recordFailure(subscriber, record, checks.tryDecode(record), failure, work));
    }
}

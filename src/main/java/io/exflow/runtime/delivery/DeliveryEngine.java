package io.exflow.runtime.delivery;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
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
    private final DeliveryCounts counts;

    public DeliveryEngine(ExflowSettings settings, RecordChecks checks, OutsideStep outside, LaneTransaction lane,
            FailurePolicy failures, RetrySchedule retries, ExflowMetrics metrics, DeliveryCounts counts) {
        this.counts = counts;
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
     * Processes a polled batch: lanes run concurrently, each lane's records in order. The batch's
     * deliveries are counted durably first (one statement); a batch holding a record that was
     * delivered before without reaching an outcome is run one record at a time instead
     * ({@link #processCarefully}).
     */
    public void processBatch(Subscriber subscriber, List<InboundRecord> records) {
        Set<DeliveryCounts.Position> seenBefore;
        try {
            seenBefore = counts.countBatch(subscriber.consumer(), records);
        } catch (RuntimeException e) {
            throw new DeliveryStalled(e);
        }
        if (!seenBefore.isEmpty()) {
            processCarefully(subscriber, records, seenBefore.size());
            return;
        }
        List<List<InboundRecord>> lanes = Lanes.plan(records, settings.concurrency());
        if (lanes.size() == 1) {
            processLane(subscriber, lanes.get(0));
            return;
        }
        List<Future<?>> running = new ArrayList<>();
        for (List<InboundRecord> one : lanes) {
            running.add(subscriber.lanes().submit(() -> processLane(subscriber, one)));
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

    /**
     * A batch some of whose records were delivered before without an outcome: the process that had
     * them may have died handling one of them. Each record runs alone, in order, and each run is
     * counted durably before it starts, so only the record that ends processes accumulates runs;
     * once it has been delivered POISON_MAX_DELIVERIES times (its first batch and the runs alone)
     * it is dead-lettered POISON_CRASH without running again, and the partition moves on.
     */
    private void processCarefully(Subscriber subscriber, List<InboundRecord> records, int seenBefore) {
        String consumer = subscriber.consumer();
        LOG.warnf("%s: %d of %d records were delivered before without reaching an outcome; running them one at a time",
                consumer, seenBefore, records.size());
        for (InboundRecord record : records) {
            if (record.partition() == null || record.offset() == null) {
                processLane(subscriber, List.of(record));
                continue;
            }
            int runs;
            try {
                runs = counts.countSoloRun(consumer, record);
            } catch (RuntimeException e) {
                throw new DeliveryStalled(e);
            }
            if (runs >= settings.poisonMaxDeliveries()) {
                quarantine(subscriber, record, runs);
            } else {
                processLane(subscriber, List.of(record));
            }
            try {
                counts.settled(consumer, record);
            } catch (RuntimeException e) {
                throw new DeliveryStalled(e);
            }
        }
    }

    /** Dead-letters a crash-looping record POISON_CRASH without running it (a duplicate if it had its effect before). */
    private void quarantine(Subscriber subscriber, InboundRecord record, int deliveries) {
        UnitOfWork work = new UnitOfWork();
        try {
            lane.run(work, () -> {
                failures.quarantine(subscriber, record, checks.tryDecode(record), deliveries, work);
                return null;
            });
        } catch (RuntimeException e) {
            throw new DeliveryStalled(e);
        }
        lane.committed(subscriber, work);
    }

    private void processLane(Subscriber subscriber, List<InboundRecord> records) {
        var inFlight = metrics.inFlight(subscriber.consumer());
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
                metrics.hop(ExflowMetrics.HopStage.LANE_TRANSACTION, subscriber.consumer(), System.nanoTime() - started);
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
     * Runs the oldest due retry of this consumer, if any.
     *
     * @return false when nothing was due
     */
    public boolean runNextRetry(Subscriber subscriber) {
        UnitOfWork work = new UnitOfWork();
        RetrySchedule.Due[] claimed = new RetrySchedule.Due[1];
        try {
            Optional<RetrySchedule.Due> due = lane.run(work, () -> {
                Optional<RetrySchedule.Due> next = retries.claimNextDue(subscriber.consumer());
                if (next.isPresent()) {
                    claimed[0] = next.get();
                    List<CheckedRecord> checked = checks.check(subscriber, List.of(next.get().record()));
                    lane.handleAll(subscriber, checked, outside.prepare(subscriber, checked, false), work);
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
        UnitOfWork work = new UnitOfWork();
        try {
            lane.run(work, () -> {
                failures.recordFailure(subscriber, record, checks.tryDecode(record), failure, work);
                return null;
            });
        } catch (RuntimeException e) {
            throw new DeliveryStalled(e);
        }
        lane.committed(subscriber, work);
    }
}

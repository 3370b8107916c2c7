package io.exflow.runtime.delivery;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.jboss.logging.Logger;

import io.exflow.runtime.PreparingHandler;
import io.exflow.runtime.event.EventEnvelope;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The step of a {@link PreparingHandler} (the tool worker) that happens outside the database —
 * claiming and running tool attempts — run for a lane's accepted records before its
 * transaction, so no connection or row lock is held meanwhile.
 */
@ApplicationScoped
public class OutsideStep {
    private static final Logger LOG = Logger.getLogger(OutsideStep.class);

    /** What preparing handlers returned, per event id, and each event's share of the time it took. */
    record Prepared(Map<UUID, Object> values, Map<UUID, Long> nanos) {
        static final Prepared NONE = new Prepared(Map.of(), Map.of());

        Object valueFor(EventEnvelope event) {
            return values.get(event.id());
        }

        long nanosFor(EventEnvelope event) {
            return nanos.getOrDefault(event.id(), 0L);
        }
    }

    private final RetrySchedule retries;

    public OutsideStep(RetrySchedule retries) {
        this.retries = retries;
    }

    /**
     * Prepares the lane's accepted records. Records that will be parked are left out (their turn
     * comes later) when {@code skipParked}. A failure leaves the handlers without prepared values
     * (they handle that case anyway); only an unreachable database holds the lane back.
     */
    Prepared prepare(Subscriber subscriber, List<CheckedRecord> checked, boolean skipParked) {
        try {
            return prepareOrThrow(subscriber, checked, skipParked);
        } catch (RuntimeException e) {
            if (FailureClassifier.isConnectivity(e)) {
                throw new DeliveryEngine.DeliveryStalled(e);
            }
            if (!skipParked) {
                throw e;
            }
            LOG.warnf("%s: preparing a batch failed, handling it unprepared: %s", subscriber.consumerGroup(), FailureClassifier.describe(e));
            return Prepared.NONE;
        }
    }

    private Prepared prepareOrThrow(Subscriber subscriber, List<CheckedRecord> checked, boolean skipParked) {
        Map<PreparingHandler, List<CheckedRecord>> byHandler = new LinkedHashMap<>();
        for (CheckedRecord c : checked) {
            if (c.accepted() && c.handler() instanceof PreparingHandler preparing) {
                byHandler.computeIfAbsent(preparing, h -> new ArrayList<>()).add(c);
            }
        }
        if (byHandler.isEmpty()) {
            return Prepared.NONE;
        }
        Map<UUID, Object> values = new HashMap<>();
        Map<UUID, Long> nanos = new HashMap<>();
        for (Map.Entry<PreparingHandler, List<CheckedRecord>> entry : byHandler.entrySet()) {
            List<CheckedRecord> candidates = entry.getValue();
            if (skipParked) {
                Set<String> waiting = retries.keysWaiting(subscriber.consumerGroup(), candidates.stream().map(c -> c.record().key()).toList());
                candidates = candidates.stream().filter(c -> !c.parkedBy(waiting)).toList();
            }
            if (candidates.isEmpty()) {
                continue;
            }
            long started = System.nanoTime();
            values.putAll(entry.getKey().prepare(candidates.stream().map(CheckedRecord::event).toList()));
            long share = (System.nanoTime() - started) / candidates.size();
            candidates.forEach(c -> nanos.put(c.event().id(), share));
        }
        return new Prepared(values, nanos);
    }
}

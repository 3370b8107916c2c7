package io.exflow.runtime.delivery;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Lane planning: a batch is split by key hash, so one exception's records are always on one
 * lane and in order, into at most CONCURRENCY lanes. Each lane is one transaction.
 */
final class Lanes {
    /**
     * A lane is worth its own transaction only with this many records: a poll of five records is
     * one transaction, not five, while a backlog still spreads over CONCURRENCY lanes.
     */
    static final int MIN_RECORDS_PER_LANE = 8;

    private Lanes() {
    }

    static List<List<InboundRecord>> plan(List<InboundRecord> records, int concurrency) {
        int lanes = Math.max(1, Math.min(concurrency, (records.size() + MIN_RECORDS_PER_LANE - 1) / MIN_RECORDS_PER_LANE));
        if (lanes == 1) {
            return List.of(records);
        }
        Map<Integer, List<InboundRecord>> byLane = new LinkedHashMap<>();
        for (InboundRecord r : records) {
            byLane.computeIfAbsent(Math.floorMod(r.key().hashCode(), lanes), k -> new ArrayList<>()).add(r);
        }
        return List.copyOf(byLane.values());
    }
}

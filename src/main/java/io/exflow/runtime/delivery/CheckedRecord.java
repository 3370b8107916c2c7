package io.exflow.runtime.delivery;

import java.util.Set;

import io.exflow.runtime.EventHandler;
import io.exflow.runtime.event.EventEnvelope;

/**
 * A record after the checks that need no transaction: its decoded event and handler, or why it
 * is rejected (then it is dead-lettered in the lane's transaction).
 */
record CheckedRecord(InboundRecord record, EventEnvelope event, EventHandler handler, PermanentFailure rejected) {

    boolean accepted() {
        return rejected == null;
    }

    /** The key whose waiting retry parks this record; null for a record from the retry table, which is never parked. */
    String parkableKey() {
        return record.retryRowId() == null ? record.key() : null;
    }

    /** Parked behind an earlier record of its key that waits for a retry. */
    boolean parkedBy(Set<String> keysWaiting) {
        String key = parkableKey();
        return key != null && keysWaiting.contains(key);
    }

    CheckedRecord rejectedFor(PermanentFailure failure) {
        return new CheckedRecord(record, event, handler, failure);
    }
}

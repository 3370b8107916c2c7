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

    /** Parked behind an earlier record of its key that waits for a retry (records from the retry table never are). */
    boolean parkedBy(Set<String> keysWaiting) {
        return record.retryRowId() == null && keysWaiting.contains(record.key());
    }

    CheckedRecord rejectedFor(PermanentFailure failure) {
        return new CheckedRecord(record, event, handler, failure);
    }
}

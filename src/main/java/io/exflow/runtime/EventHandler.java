package io.exflow.runtime;

import io.exflow.runtime.config.WorkerRole;
import io.exflow.runtime.event.EventEnvelope;
import io.exflow.runtime.event.EventKind;

/**
 * A worker's business rule for one kind of event, declared with {@link Handles}. The runtime calls it inside a database
 * transaction that already holds the idempotency claim and passed the tenant guard; whatever
 * it writes (entities, {@link HandlerContext#emit emitted events}) commits or rolls back
 * together. It throws {@link io.exflow.runtime.delivery.PermanentFailure} for bad data; any
 * other exception is treated as transient and retried durably.
 */
public interface EventHandler {

    /** The role whose processes run this handler (from {@link Handles}). */
    default WorkerRole role() {
        return declaration().role();
    }

    /** The event kind handled (from {@link Handles}); the runtime subscribes the role to its topic. */
    default EventKind consumes() {
        return declaration().event();
    }

    private Handles declaration() {
        Handles handles = getClass().getAnnotation(Handles.class);
        if (handles == null) {
            throw new IllegalStateException(getClass().getName() + " implements EventHandler without @Handles");
        }
        return handles;
    }

    void handle(EventEnvelope event, HandlerContext context);

    /**
     * Called once per lane transaction, before {@link #handle} runs for each of these events:
     * load and lock what they need with one statement per table instead of one per event (the
     * entities stay in the transaction's persistence context, where {@code handle} finds them).
     */
    default void preload(java.util.List<EventEnvelope> events) {
    }
}

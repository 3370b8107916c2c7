package io.exflow.runtime;

import io.exflow.runtime.event.EventEnvelope;
import io.exflow.runtime.event.EventKind;

/** What a handler may do besides its own entity writes, all inside its transaction. */
public interface HandlerContext {

    /**
     * Emits an event about the same tenant and exception, caused by the event being handled.
     * It is written to the outbox now and published after commit.
     */
    EventEnvelope emit(EventKind kind, Object data);

    /**
     * Enqueues a job event (such as a tool job) on a Redis list, for the same tenant and
     * exception; written to the outbox now, pushed after commit.
     */
    EventEnvelope enqueue(EventKind kind, String queue, Object data);

    /** Adds an entry to the exception's timeline (emitted events are added automatically). */
    void note(String entryType, Object detail);

    /** The consumer group running the handler. */
    String consumer();

    /** 1 on first delivery, 2+ on retries. */
    int attempt();

    /** What a {@link PreparingHandler} prepared for this event before the transaction, or null. */
    <T> T prepared(Class<T> type);
}

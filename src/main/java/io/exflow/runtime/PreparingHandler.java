package io.exflow.runtime;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.exflow.runtime.event.EventEnvelope;

/**
 * A handler whose work has a step outside the database, such as calling a tool. The runtime
 * calls {@link #prepare} for a batch's events after they passed the decode and tenant checks
 * and before the transaction that runs {@link #handle}; that transaction stays short and holds
 * no connection while the outside step runs. What {@code prepare} returns for an event reaches
 * {@code handle} through {@link HandlerContext#prepared}, also when a failed batch is redone
 * one event per transaction. An event may reach {@code handle} without a prepared value (a
 * duplicate, a retry, a redelivery after a crash): the handler must then find out from the
 * database what happened.
 */
public interface PreparingHandler extends EventHandler {

    /** @return per event id, what {@link #handle} needs; events without an entry get none */
    Map<UUID, Object> prepare(List<EventEnvelope> events);
}

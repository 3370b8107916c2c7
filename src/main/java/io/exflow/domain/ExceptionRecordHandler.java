package io.exflow.domain;

import java.util.List;

import io.exflow.runtime.EventHandler;
import io.exflow.runtime.event.EventEnvelope;

/**
 * A handler that changes the exception record its event is about: the lane's records are locked
 * with one statement before it runs, so {@link ExceptionRecord#lockForUpdate} costs no round trip.
 */
public interface ExceptionRecordHandler extends EventHandler {

    @Override
    default void preload(List<EventEnvelope> events) {
        ExceptionRecord.lockAll(events);
    }
}

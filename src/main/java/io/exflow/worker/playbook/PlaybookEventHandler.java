package io.exflow.worker.playbook;

import java.util.List;

import io.exflow.domain.ExceptionRecordHandler;
import io.exflow.runtime.event.EventEnvelope;

/** A playbook handler: the lane's exception records are locked and their playbook runs loaded, with one statement. */
public interface PlaybookEventHandler extends ExceptionRecordHandler {

    @Override
    default void preload(List<EventEnvelope> events) {
        PlaybookRun.lockRecordsAndLoadRuns(events);
    }
}

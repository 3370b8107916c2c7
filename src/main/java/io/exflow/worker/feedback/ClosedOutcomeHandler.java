package io.exflow.worker.feedback;

import io.exflow.domain.events.Closed;
import io.exflow.runtime.EventHandler;
import io.exflow.runtime.HandlerContext;
import io.exflow.runtime.Handles;
import io.exflow.runtime.config.WorkerRole;
import io.exflow.runtime.event.EventEnvelope;
import io.exflow.runtime.event.EventKind;
import jakarta.enterprise.context.ApplicationScoped;

/** Feedback: records the outcome of every closed exception, once per exception. */
@ApplicationScoped
@Handles(role = WorkerRole.FEEDBACK, event = EventKind.EXCEPTION_CLOSED)
public class ClosedOutcomeHandler implements EventHandler {
    private final FeedbackRecorder recorder;

    public ClosedOutcomeHandler(FeedbackRecorder recorder) {
        this.recorder = recorder;
    }

    @Override
    public void handle(EventEnvelope event, HandlerContext context) {
        recorder.recordClosed(event, event.data(Closed.class), context);
    }
}

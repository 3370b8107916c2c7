package io.exflow.worker.feedback;

import io.exflow.domain.events.SlaAlert;
import io.exflow.runtime.EventHandler;
import io.exflow.runtime.HandlerContext;
import io.exflow.runtime.config.WorkerRole;
import io.exflow.runtime.event.EventEnvelope;
import io.exflow.runtime.event.EventKind;
import jakarta.enterprise.context.ApplicationScoped;

/** Feedback: records SLA alerts (imminent and breached), once per exception and kind. */
@ApplicationScoped
public class SlaAlertHandler implements EventHandler {
    private final FeedbackRecorder recorder;

    public SlaAlertHandler(FeedbackRecorder recorder) {
        this.recorder = recorder;
    }

    @Override
    public WorkerRole role() {
        return WorkerRole.FEEDBACK;
    }

    @Override
    public EventKind consumes() {
        return EventKind.SLA_ALERT;
    }

    @Override
    public void handle(EventEnvelope event, HandlerContext context) {
        recorder.recordAlert(event, recorder.data(event, SlaAlert.class), context);
    }
}

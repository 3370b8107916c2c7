package io.exflow.worker.feedback;

import io.exflow.domain.events.SlaAlert;
import io.exflow.runtime.EventHandler;
import io.exflow.runtime.HandlerContext;
import io.exflow.runtime.Handles;
import io.exflow.runtime.config.WorkerRole;
import io.exflow.runtime.event.EventEnvelope;
import io.exflow.runtime.event.EventKind;
import jakarta.enterprise.context.ApplicationScoped;

/** Feedback: records SLA alerts (imminent and breached), once per exception and kind. */
@ApplicationScoped
@Handles(role = WorkerRole.FEEDBACK, event = EventKind.SLA_ALERT)
public class SlaAlertHandler implements EventHandler {
    private final FeedbackRecorder recorder;

    public SlaAlertHandler(FeedbackRecorder recorder) {
        this.recorder = recorder;
    }

    @Override
    public void handle(EventEnvelope event, HandlerContext context) {
        recorder.recordAlert(event, event.data(SlaAlert.class), context);
    }
}

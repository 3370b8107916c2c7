package io.exflow.worker.playbook;

import java.util.Map;

import io.exflow.domain.Closing;
import io.exflow.domain.ExceptionRecord;
import io.exflow.domain.ExceptionState;
import io.exflow.domain.events.Decided;
import io.exflow.runtime.HandlerContext;
import io.exflow.runtime.Handles;
import io.exflow.runtime.config.WorkerRole;
import io.exflow.runtime.delivery.PermanentFailure;
import io.exflow.runtime.delivery.ReasonCode;
import io.exflow.runtime.event.EventEnvelope;
import io.exflow.runtime.event.EventKind;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Playbook, on a decision: AUTO_APPROVED or APPROVED starts the chosen playbook (or, for a run
 * waiting at an approval step, continues it); REJECTED escalates; NEEDS_APPROVAL waits.
 */
@ApplicationScoped
@Handles(role = WorkerRole.PLAYBOOK, event = EventKind.EXCEPTION_DECIDED)
public class DecisionHandler implements PlaybookEventHandler {
    private final PlaybookRunner runner;

    public DecisionHandler(PlaybookRunner runner) {
        this.runner = runner;
    }

    @Override
    public void handle(EventEnvelope event, HandlerContext context) {
        Decided decided = event.data(Decided.class);
        if (decided == null || decided.decision() == null) {
            throw new PermanentFailure(ReasonCode.VALIDATION_FAILED, "decided event without a decision");
        }
        ExceptionRecord record = ExceptionRecord.lockForUpdate(event.exceptionId());
        if (record.state.closed()) {
            context.note("exflow.playbook.ignored", Map.of("reason", "exception already " + record.state));
            return;
        }
        PlaybookRun run = PlaybookRun.ofException(record.id);
        switch (decided.decision()) {
            case NEEDS_APPROVAL -> record.state = ExceptionState.AWAITING_APPROVAL;
            case REJECTED -> {
                String reason = "approval rejected by " + decided.actor();
                if (run != null) {
                    runner.close(record, run, ExceptionState.ESCALATED, reason, context);
                } else {
                    context.emit(EventKind.EXCEPTION_CLOSED, Closing.close(record, ExceptionState.ESCALATED, reason, false,
                            java.util.List.of()));
                }
            }
            case AUTO_APPROVED, APPROVED -> {
                if (run == null) {
                    String playbookId = decided.playbookId() != null ? decided.playbookId() : record.playbookId;
                    runner.advance(record, runner.start(record, playbookId, decided.decision() == Decided.Decision.AUTO_APPROVED),
                            context);
                } else if (run.status == PlaybookRun.Status.WAITING_APPROVAL && decided.decision() == Decided.Decision.APPROVED) {
                    runner.approved(record, run, context);
                } else {
                    context.note("exflow.playbook.ignored", Map.of("reason", "playbook already " + run.status));
                }
            }
        }
    }
}

package io.exflow.worker.playbook;

import java.util.Map;
import java.util.UUID;

import io.exflow.domain.ExceptionRecord;
import io.exflow.domain.events.ToolResult;
import io.exflow.runtime.HandlerContext;
import io.exflow.runtime.Handles;
import io.exflow.runtime.config.WorkerRole;
import io.exflow.runtime.delivery.PermanentFailure;
import io.exflow.runtime.delivery.ReasonCode;
import io.exflow.runtime.event.EventEnvelope;
import io.exflow.runtime.event.EventKind;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Playbook, on a tool result: success advances to the next step, failure retries the step
 * within its limit or escalates. A result for a job that is no longer current (a late or
 * duplicate answer) changes nothing.
 */
@ApplicationScoped
@Handles(role = WorkerRole.PLAYBOOK, event = EventKind.TOOL_RESULT)
public class ToolResultHandler implements PlaybookEventHandler {
    private final PlaybookRunner runner;

    public ToolResultHandler(PlaybookRunner runner) {
        this.runner = runner;
    }

    @Override
    public void handle(EventEnvelope event, HandlerContext context) {
        ToolResult result = event.data(ToolResult.class);
        if (result == null || result.jobId() == null) {
            throw new PermanentFailure(ReasonCode.VALIDATION_FAILED, "tool result without a job id");
        }
        ExceptionRecord record = ExceptionRecord.lockForUpdate(event.exceptionId());
        PlaybookRun run = PlaybookRun.ofException(record.id);
        if (run == null || record.state.closed() || !UUID.fromString(result.jobId()).equals(run.currentJobId)) {
            context.note("exflow.playbook.stale-tool-result", Map.of("jobId", result.jobId()));
            return;
        }
        if (result.succeeded()) {
            runner.toolSucceeded(record, run, result.tool(), context);
        } else {
            runner.toolFailed(record, run, result.error(), context);
        }
    }
}

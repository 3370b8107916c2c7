package io.exflow.worker.tool;

import java.lang.management.ManagementFactory;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.exflow.domain.Packs;
import io.exflow.domain.events.ToolJob;
import io.exflow.domain.events.ToolResult;
import io.exflow.packs.ToolDef;
import io.exflow.packs.ToolMode;
import io.exflow.runtime.EventHandler;
import io.exflow.runtime.HandlerContext;
import io.exflow.runtime.config.ExflowSettings;
import io.exflow.runtime.config.WorkerRole;
import io.exflow.runtime.delivery.PermanentFailure;
import io.exflow.runtime.delivery.ReasonCode;
import io.exflow.runtime.event.EventEnvelope;
import io.exflow.runtime.event.EventKind;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Tool: runs one attempt of a tool job from the Redis queues and reports it as
 * {@code exflow.tool.result}. The attempt is claimed before the tool runs, so it runs at most
 * once; a job whose attempt was already started by a worker that died is reported as an
 * interrupted (failed) attempt and the playbook decides whether to try again.
 */
@ApplicationScoped
public class ToolHandler implements EventHandler {
    private static final String WORKER = ManagementFactory.getRuntimeMXBean().getName();

    private final Packs packs;
    private final ToolExecutions executions;
    private final ExflowSettings settings;
    private final ObjectMapper mapper;

    public ToolHandler(Packs packs, ToolExecutions executions, ExflowSettings settings, ObjectMapper mapper) {
        this.packs = packs;
        this.executions = executions;
        this.settings = settings;
        this.mapper = mapper;
    }

    @Override
    public WorkerRole role() {
        return WorkerRole.TOOL;
    }

    @Override
    public EventKind consumes() {
        return EventKind.TOOL_JOB;
    }

    /**
     * A second copy of an attempt (a job re-sent after it looked lost, or returned by the reaper):
     * a finished attempt is answered again with its recorded result; one still STARTED lost its
     * worker mid-call and is reported as interrupted, never run twice.
     */
    private ToolOutcome alreadyClaimed(ToolJob job) {
        ToolExecutions.Recorded recorded = executions.find(job.jobId()).orElseThrow();
        if (recorded.finished()) {
            return "SUCCEEDED".equals(recorded.status())
                    ? ToolOutcome.success(recorded.outputJson() == null ? null : readJson(recorded.outputJson()))
                    : ToolOutcome.failure(recorded.error());
        }
        ToolOutcome interrupted = ToolOutcome.failure("attempt " + job.attempt() + " was interrupted (its worker stopped mid-call)");
        executions.finish(job.jobId(), "INTERRUPTED", null, interrupted.error());
        return interrupted;
    }

    private com.fasterxml.jackson.databind.JsonNode readJson(String json) {
        try {
            return mapper.readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void handle(EventEnvelope event, HandlerContext context) {
        ToolJob job = mapper.convertValue(event.data(), ToolJob.class);
        if (job == null || job.jobId() == null || job.tool() == null) {
            throw new PermanentFailure(ReasonCode.VALIDATION_FAILED, "tool job without job id or tool");
        }
        ToolDef tool = packs.domainOf(packs.tenant(event.tenantId())).tool(job.tool()).orElseThrow(
                () -> new PermanentFailure(ReasonCode.VALIDATION_FAILED, "unknown tool " + job.tool()));
        long started = System.nanoTime();
        ToolOutcome outcome;
        if (!executions.claim(job, event.exceptionId(), event.tenantId(), WORKER)) {
            outcome = alreadyClaimed(job);
        } else {
            outcome = tool.mode() == ToolMode.HTTP
                    ? HttpTool.run(job, tool, event.exceptionId(), event.tenantId(), mapper)
                    : SimulatedTool.run(job, tool.simulate(), settings.toolSimulateSeed());
            executions.finish(job.jobId(), outcome.succeeded() ? "SUCCEEDED" : "FAILED",
                    outcome.output() == null ? null : outcome.output().toString(), outcome.error());
        }
        context.emit(EventKind.TOOL_RESULT, new ToolResult(job.jobId(), job.playbookId(), job.stepIndex(), job.tool(),
                job.attempt(), outcome.succeeded() ? "SUCCEEDED" : "FAILED", outcome.output(), outcome.error(),
                (System.nanoTime() - started) / 1_000_000));
    }
}

package io.exflow.worker.tool;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.exflow.domain.Packs;
import io.exflow.domain.events.ToolJob;
import io.exflow.domain.events.ToolResult;
import io.exflow.packs.ToolDef;
import io.exflow.packs.ToolMode;
import io.exflow.runtime.PreparingHandler;
import io.exflow.runtime.HandlerContext;
import io.exflow.runtime.Handles;
import io.exflow.runtime.config.ExflowSettings;
import io.exflow.runtime.config.WorkerRole;
import io.exflow.runtime.delivery.PermanentFailure;
import io.exflow.runtime.delivery.ReasonCode;
import io.exflow.runtime.event.EventEnvelope;
import io.exflow.runtime.event.EventKind;
import io.exflow.runtime.tracing.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Tool: runs one attempt of a tool job from the Redis queues and reports it as
 * {@code exflow.tool.result}. Attempts are claimed (committed) before their tools run, so each
 * runs at most once; a job whose attempt was already started by a worker that died is reported
 * as an interrupted (failed) attempt and the playbook decides whether to try again.
 */
@ApplicationScoped
@Handles(role = WorkerRole.TOOL, event = EventKind.TOOL_JOB)
public class ToolHandler implements PreparingHandler {
    private static final String WORKER = ManagementFactory.getRuntimeMXBean().getName();

    private final Packs packs;
    private final ToolExecutions executions;
    private final ExflowSettings settings;
    private final ObjectMapper mapper;
    private final ToolCalls calls;
    private final Tracing tracing;

    public ToolHandler(Packs packs, ToolExecutions executions, ExflowSettings settings, ObjectMapper mapper, ToolCalls calls,
            Tracing tracing) {
        this.calls = calls;
        this.tracing = tracing;
        this.packs = packs;
        this.executions = executions;
        this.settings = settings;
        this.mapper = mapper;
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

    /** A tool run in {@link #prepare}, waiting for its result to be recorded. */
    record Attempt(ToolOutcome outcome, long tookMs) {
    }

    /**
     * Claims the batch's attempts in one committed transaction, then runs the claimed tools
     * concurrently (see {@link ToolCalls}) outside any transaction. Jobs that are invalid are
     * left to {@link #handle} (it dead-letters them); jobs already claimed by some worker get no
     * attempt here.
     */
    @Override
    public Map<UUID, Object> prepare(List<EventEnvelope> events) {
        Map<UUID, ToolExecutions.Claim> valid = new LinkedHashMap<>();
        for (EventEnvelope event : events) {
            try {
                ToolJob job = job(event);
                tool(event, job);
                valid.put(event.id(), new ToolExecutions.Claim(job, event.exceptionId(), event.tenantId()));
            } catch (PermanentFailure invalid) {
                // handle() dead-letters it with this reason
            }
        }
        Set<String> claimed = executions.claimAll(List.copyOf(valid.values()), WORKER);
        List<ToolCalls.Call<UUID>> toRun = new ArrayList<>();
        for (EventEnvelope event : events) {
            ToolExecutions.Claim claim = valid.get(event.id());
            if (claim != null && claimed.contains(claim.job().jobId())) {
                toRun.add(new ToolCalls.Call<>(event.id(), tool(event, claim.job()), () -> run(event, claim.job())));
            }
        }
        Map<UUID, Object> attempts = new HashMap<>();
        calls.runAll(toRun).forEach((eventId, done) -> attempts.put(eventId, new Attempt(done.outcome(), done.tookMs())));
        return attempts;
    }

    /**
     * Records the attempt this worker ran in {@link #prepare}; without one (the attempt was
     * claimed earlier: a second copy of the job, or a redelivery after a crash) answers from the
     * recorded attempt instead of running the tool again.
     */
    @Override
    public void handle(EventEnvelope event, HandlerContext context) {
        ToolJob job = job(event);
        tool(event, job);
        Attempt attempt = context.prepared(Attempt.class);
        ToolOutcome outcome;
        long tookMs = 0;
        if (attempt == null) {
            outcome = alreadyClaimed(job);
        } else {
            outcome = attempt.outcome();
            tookMs = attempt.tookMs();
            executions.finish(job.jobId(), outcome.succeeded() ? "SUCCEEDED" : "FAILED",
                    outcome.output() == null ? null : outcome.output().toString(), outcome.error());
        }
        context.emit(EventKind.TOOL_RESULT, new ToolResult(job.jobId(), job.playbookId(), job.stepIndex(), job.tool(),
                job.attempt(), outcome.succeeded() ? "SUCCEEDED" : "FAILED", outcome.output(), outcome.error(), tookMs));
    }

    private ToolJob job(EventEnvelope event) {
        ToolJob job = event.data(ToolJob.class);
        if (job == null || job.jobId() == null || job.tool() == null) {
            throw new PermanentFailure(ReasonCode.VALIDATION_FAILED, "tool job without job id or tool");
        }
        try {
            UUID.fromString(job.jobId());
        } catch (IllegalArgumentException e) {
            throw new PermanentFailure(ReasonCode.VALIDATION_FAILED, "tool job id is not a UUID: " + job.jobId());
        }
        return job;
    }

    private ToolDef tool(EventEnvelope event, ToolJob job) {
        return packs.domainOf(packs.tenant(event.tenantId())).tool(job.tool()).orElseThrow(
                () -> new PermanentFailure(ReasonCode.VALIDATION_FAILED, "unknown tool " + job.tool()));
    }

    private ToolOutcome run(EventEnvelope event, ToolJob job) {
        ToolDef tool = tool(event, job);
        if (!tracing.enabled()) {
            return call(event, job, tool);
        }
        // A child of the job's trace (the playbook's span); an http tool's request carries it as its traceparent.
        Span span = tracing.span("tool " + job.tool(), SpanKind.CLIENT, Tracing.parentOf(event)).setAllAttributes(Tracing.ids(event))
                .setAttribute("exflow.tool.name", job.tool()).setAttribute("exflow.tool.mode", tool.mode().name())
                .setAttribute(Tracing.ATTEMPT, (long) job.attempt()).startSpan();
        try (Scope scope = span.makeCurrent()) {
            ToolOutcome outcome = call(event, job, tool);
            if (!outcome.succeeded()) {
                span.setStatus(StatusCode.ERROR, "tool attempt failed");
            }
            return outcome;
        } catch (RuntimeException e) {
            Tracing.failed(span, e);
            throw e;
        } finally {
            span.end();
        }
    }

    private ToolOutcome call(EventEnvelope event, ToolJob job, ToolDef tool) {
        return tool.mode() == ToolMode.HTTP
                ? HttpTool.run(job, tool, event.exceptionId(), event.tenantId(), mapper)
                : SimulatedTool.run(job, tool.simulate(), settings.toolSimulateSeed());
    }
}

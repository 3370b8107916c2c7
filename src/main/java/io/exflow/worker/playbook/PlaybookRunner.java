package io.exflow.worker.playbook;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.exflow.runtime.TimeOrderedIds;
import io.exflow.domain.Closing;
import io.exflow.domain.ExceptionRecord;
import io.exflow.domain.ExceptionState;
import io.exflow.domain.Packs;
import io.exflow.domain.events.ToolJob;
import io.exflow.packs.Playbook;
import io.exflow.packs.PlaybookStep;
import io.exflow.packs.Severity;
import io.exflow.runtime.HandlerContext;
import io.exflow.runtime.config.ExflowSettings;
import io.exflow.runtime.delivery.PermanentFailure;
import io.exflow.runtime.delivery.ReasonCode;
import io.exflow.runtime.event.EventKind;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Walks a playbook's steps for one exception, inside the calling handler's transaction:
 * NOTIFY records a notification and moves on; APPROVAL waits for a person; TOOL enqueues a
 * job (by severity: CRITICAL/HIGH high, MEDIUM default, LOW low) and waits for its result;
 * ESCALATE closes the exception as escalated. Past the last step the exception is resolved.
 */
@ApplicationScoped
public class PlaybookRunner {
    private static final TypeReference<List<String>> NAMES = new TypeReference<>() {
    };

    private final Packs packs;
    private final ExflowSettings settings;
    private final ObjectMapper mapper;

    public PlaybookRunner(Packs packs, ExflowSettings settings, ObjectMapper mapper) {
        this.packs = packs;
        this.settings = settings;
        this.mapper = mapper;
    }

    public PlaybookRun start(ExceptionRecord record, String playbookId, boolean autoApproved) {
        PlaybookRun run = new PlaybookRun();
        run.exceptionId = record.id;
        run.tenantId = record.tenantId;
        run.playbookId = playbookId;
        run.status = PlaybookRun.Status.RUNNING;
        run.autoApproved = autoApproved;
        run.persist();
        record.state = ExceptionState.RUNNING_PLAYBOOK;
        record.playbookId = playbookId;
        return run;
    }

    /** Runs steps from the current one until one has to wait, or the playbook ends. */
    public void advance(ExceptionRecord record, PlaybookRun run, HandlerContext context) {
        Playbook playbook = playbook(record, run);
        while (run.stepIndex < playbook.steps().size()) {
            PlaybookStep step = playbook.steps().get(run.stepIndex);
            switch (step.action()) {
                case NOTIFY -> {
                    context.note("exflow.playbook.notified", Map.of("step", step.name(), "params", step.params()));
                    run.stepIndex++;
                }
                case APPROVAL -> {
                    run.status = PlaybookRun.Status.WAITING_APPROVAL;
                    record.state = ExceptionState.AWAITING_APPROVAL;
                    context.note("exflow.playbook.awaiting-approval", Map.of("step", step.name()));
                    return;
                }
                case TOOL -> {
                    enqueue(record, run, playbook, step, context);
                    return;
                }
                case ESCALATE -> {
                    close(record, run, ExceptionState.ESCALATED, "playbook step " + step.name() + " escalates", context);
                    return;
                }
            }
        }
        close(record, run, ExceptionState.RESOLVED, "playbook " + playbook.id() + " completed", context);
    }

    /** A person approved a step that waited for approval: go on after it. */
    public void approved(ExceptionRecord record, PlaybookRun run, HandlerContext context) {
        run.status = PlaybookRun.Status.RUNNING;
        run.autoApproved = false;
        record.state = ExceptionState.RUNNING_PLAYBOOK;
        run.stepIndex++;
        advance(record, run, context);
    }

    /** The current tool step succeeded: record the tool and go on. */
    public void toolSucceeded(ExceptionRecord record, PlaybookRun run, String tool, HandlerContext context) {
        List<String> tools = toolsUsed(run);
        tools.add(tool);
        run.toolsUsed = json(tools);
        run.stepIndex++;
        run.stepAttempt = 0;
        run.currentJobId = null;
        advance(record, run, context);
    }

    /** The current tool step failed: try again within the step's limit, else escalate. */
    public void toolFailed(ExceptionRecord record, PlaybookRun run, String error, HandlerContext context) {
        Playbook playbook = playbook(record, run);
        PlaybookStep step = playbook.steps().get(run.stepIndex);
        if (run.stepAttempt < step.maxAttempts()) {
            enqueue(record, run, playbook, step, context);
            return;
        }
        close(record, run, ExceptionState.ESCALATED,
                "tool " + step.tool() + " failed after " + run.stepAttempt + " attempts: " + error, context);
    }

    public void close(ExceptionRecord record, PlaybookRun run, ExceptionState outcome, String reason, HandlerContext context) {
        run.status = outcome == ExceptionState.RESOLVED ? PlaybookRun.Status.SUCCEEDED
                : run.status == PlaybookRun.Status.WAITING_APPROVAL ? PlaybookRun.Status.REJECTED : PlaybookRun.Status.FAILED;
        run.currentJobId = null;
        boolean auto = outcome == ExceptionState.RESOLVED && run.autoApproved;
        context.emit(EventKind.EXCEPTION_CLOSED, Closing.close(record, outcome, reason, auto, toolsUsed(run)));
    }

    private void enqueue(ExceptionRecord record, PlaybookRun run, Playbook playbook, PlaybookStep step, HandlerContext context) {
        run.stepAttempt++;
        run.currentJobId = TimeOrderedIds.next();
        run.status = PlaybookRun.Status.RUNNING;
        context.enqueue(EventKind.TOOL_JOB, queueFor(record.severity), currentJob(record, run));
    }

    /** The job the run waits for (same id and attempt), e.g. to send it again when Redis lost it. */
    public ToolJob currentJob(ExceptionRecord record, PlaybookRun run) {
        Playbook playbook = playbook(record, run);
        PlaybookStep step = playbook.steps().get(run.stepIndex);
        return new ToolJob(run.currentJobId.toString(), playbook.id(), run.stepIndex, step.name(), step.tool(),
                run.stepAttempt, step.params());
    }

    public String queueFor(String severity) {
        return switch (Severity.valueOf(severity)) {
            case CRITICAL, HIGH -> settings.toolQueues().high();
            case MEDIUM -> settings.toolQueues().defaultQueue();
            case LOW -> settings.toolQueues().low();
        };
    }

    private Playbook playbook(ExceptionRecord record, PlaybookRun run) {
        return packs.domainOf(packs.tenant(record.tenantId)).playbook(run.playbookId).orElseThrow(
                () -> new PermanentFailure(ReasonCode.VALIDATION_FAILED, "unknown playbook " + run.playbookId));
    }

    private List<String> toolsUsed(PlaybookRun run) {
        try {
            return new ArrayList<>(mapper.readValue(run.toolsUsed, NAMES));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private String json(List<String> names) {
        try {
            return mapper.writeValueAsString(names);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

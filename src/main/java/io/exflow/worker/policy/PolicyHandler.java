package io.exflow.worker.policy;

import java.util.List;

import io.exflow.domain.Closing;
import io.exflow.domain.ExceptionRecord;
import io.exflow.domain.ExceptionRecordHandler;
import io.exflow.domain.ExceptionState;
import io.exflow.domain.Packs;
import io.exflow.domain.events.Decided;
import io.exflow.packs.Severity;
import io.exflow.packs.TenantPack;
import io.exflow.runtime.HandlerContext;
import io.exflow.runtime.Handles;
import io.exflow.runtime.config.WorkerRole;
import io.exflow.runtime.event.EventEnvelope;
import io.exflow.runtime.event.EventKind;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Policy: decides what happens to a triaged exception (see {@link PolicyRules}). Approved or
 * approval-needing exceptions go on as {@code exflow.exception.decided}; blocked and escalated
 * ones are closed with their reason. The decision and its reasons go on the timeline.
 */
@ApplicationScoped
@Handles(role = WorkerRole.POLICY, event = EventKind.EXCEPTION_TRIAGED)
public class PolicyHandler implements ExceptionRecordHandler {
    private final Packs packs;

    public PolicyHandler(Packs packs) {
        this.packs = packs;
    }

    @Override
    public void handle(EventEnvelope event, HandlerContext context) {
        ExceptionRecord record = ExceptionRecord.lockForUpdate(event.exceptionId());
        if (record.state != ExceptionState.TRIAGED) {
            context.note("exflow.policy.already-decided", java.util.Map.of("state", record.state.name()));
            return;
        }
        TenantPack tenant = packs.tenant(record.tenantId);
        PolicyRules.Decision decision = PolicyRules.decide(record.exceptionType, record.amount,
                Severity.valueOf(record.severity), packs.domainOf(tenant), tenant);
        record.decision = decision.outcome().name();
        record.playbookId = decision.playbookId();
        if (decision.outcome() == PolicyRules.Outcome.BLOCKED || decision.outcome() == PolicyRules.Outcome.ESCALATE) {
            context.note("exflow.policy.decision", java.util.Map.of("decision", decision.outcome().name(),
                    "reasons", decision.reasons()));
        }
        switch (decision.outcome()) {
            case BLOCKED -> context.emit(EventKind.EXCEPTION_CLOSED, Closing.close(record, ExceptionState.BLOCKED,
                    String.join("; ", decision.reasons()), false, List.of()));
            case ESCALATE -> context.emit(EventKind.EXCEPTION_CLOSED, Closing.close(record, ExceptionState.ESCALATED,
                    String.join("; ", decision.reasons()), false, List.of()));
            case NEEDS_APPROVAL -> {
                record.state = ExceptionState.AWAITING_APPROVAL;
                context.emit(EventKind.EXCEPTION_DECIDED, new Decided(Decided.Decision.NEEDS_APPROVAL,
                        decision.playbookId(), decision.reasons(), "policy"));
            }
            case AUTO_APPROVED -> {
                record.state = ExceptionState.RUNNING_PLAYBOOK;
                context.emit(EventKind.EXCEPTION_DECIDED, new Decided(Decided.Decision.AUTO_APPROVED,
                        decision.playbookId(), decision.reasons(), "policy"));
            }
        }
    }
}

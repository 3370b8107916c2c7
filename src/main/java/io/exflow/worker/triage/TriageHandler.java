package io.exflow.worker.triage;

import java.time.Instant;

import io.exflow.domain.ExceptionRecord;
import io.exflow.domain.ExceptionRecordHandler;
import io.exflow.domain.ExceptionState;
import io.exflow.domain.Packs;
import io.exflow.domain.events.Triaged;
import io.exflow.packs.DomainPack;
import io.exflow.packs.TenantPack;
import io.exflow.runtime.HandlerContext;
import io.exflow.runtime.Handles;
import io.exflow.runtime.config.WorkerRole;
import io.exflow.runtime.event.EventEnvelope;
import io.exflow.runtime.event.EventKind;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Triage: sets the severity (tenant override, else the first matching domain-pack rule,
 * else the domain default) and the SLA deadline from the tenant's SLA for that severity,
 * counted from ingestion; emits {@code exflow.exception.triaged}.
 */
@ApplicationScoped
@Handles(role = WorkerRole.TRIAGE, event = EventKind.EXCEPTION_NORMALIZED)
public class TriageHandler implements ExceptionRecordHandler {
    private final Packs packs;

    public TriageHandler(Packs packs) {
        this.packs = packs;
    }

    @Override
    public void handle(EventEnvelope event, HandlerContext context) {
        ExceptionRecord record = ExceptionRecord.lockForUpdate(event.exceptionId());
        if (record.state != ExceptionState.NORMALIZED) {
            context.note("exflow.triage.already-triaged", java.util.Map.of("state", record.state.name()));
            return;
        }
        TenantPack tenant = packs.tenant(record.tenantId);
        DomainPack domain = packs.domainOf(tenant);
        Classification severity = SeverityClassifier.classify(record.exceptionType, record.amount,
                event.data().path("attributes"), domain, tenant);
        Instant deadline = SlaCalculator.deadline(record.ingestedAt, severity.severity(), tenant);
        Instant imminent = SlaCalculator.imminentAt(record.ingestedAt, deadline, tenant.slaImminentThreshold());

        record.severity = severity.severity().name();
        record.severitySource = severity.source();
        record.slaDeadline = deadline;
        record.slaImminentAt = imminent;
        record.state = ExceptionState.TRIAGED;

        context.emit(EventKind.EXCEPTION_TRIAGED, new Triaged(record.exceptionType, record.severity, severity.source(),
                severity.ruleId(), deadline, imminent));
    }
}

package io.exflow.worker.intake;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.exflow.domain.ExceptionRecord;
import io.exflow.domain.ExceptionState;
import io.exflow.domain.Packs;
import io.exflow.domain.events.Normalized;
import io.exflow.packs.DomainPack;
import io.exflow.packs.TenantPack;
import io.exflow.runtime.EventHandler;
import io.exflow.runtime.HandlerContext;
import io.exflow.runtime.Handles;
import io.exflow.runtime.config.WorkerRole;
import io.exflow.runtime.delivery.PermanentFailure;
import io.exflow.runtime.delivery.ReasonCode;
import io.exflow.runtime.event.EventEnvelope;
import io.exflow.runtime.event.EventKind;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Intake: turns a raw ingested exception into the exception record. Validates and normalizes
 * the payload against the tenant's domain pack, redacts personal data (by key and by value,
 * plus the tenant's own PII fields) before anything is stored or published, and emits
 * {@code exflow.exception.normalized}.
 */
@ApplicationScoped
@Handles(role = WorkerRole.INTAKE, event = EventKind.EXCEPTION_INGESTED)
public class IntakeHandler implements EventHandler {
    private final Packs packs;
    private final ObjectMapper mapper;
    private final PayloadNormalizer normalizer = new PayloadNormalizer();

    public IntakeHandler(Packs packs, ObjectMapper mapper) {
        this.packs = packs;
        this.mapper = mapper;
    }


    @Override
    public void handle(EventEnvelope event, HandlerContext context) {
        if (ExceptionRecord.findById(event.exceptionId()) != null) {
            // Same exception ingested again under a new event id (a client retry): one record only.
            context.note("exflow.intake.already-ingested", java.util.Map.of("eventId", event.id().toString()));
            return;
        }
        if (!(event.data() instanceof ObjectNode raw)) {
            throw new PermanentFailure(ReasonCode.VALIDATION_FAILED, "data must be a JSON object");
        }
        TenantPack tenant = packs.tenant(event.tenantId());
        DomainPack domain = packs.domainOf(tenant);
        NormalizedSubmission normalized;
        try {
            normalized = normalizer.normalize(raw, domain);
        } catch (PayloadValidationException e) {
            throw new PermanentFailure(ReasonCode.VALIDATION_FAILED, e.getMessage());
        }
        RedactionResult redaction = PiiRedactor.redact(mapper.valueToTree(normalized), tenant.piiFields());
        Normalized clean = mapper.convertValue(redaction.redacted(), Normalized.class);
        clean = new Normalized(clean.exceptionType(), clean.sourceSystem(), clean.entityId(), normalized.amount(),
                normalized.currency(), normalized.occurredAt(), clean.summary(), clean.attributes(), redaction.redactions());

        ExceptionRecord record = new ExceptionRecord();
        record.id = event.exceptionId();
        record.tenantId = event.tenantId();
        record.state = ExceptionState.NORMALIZED;
        record.exceptionType = clean.exceptionType();
        record.sourceSystem = clean.sourceSystem();
        record.entityId = clean.entityId();
        record.amount = clean.amount();
        record.currency = clean.currency();
        record.summary = clean.summary();
        record.occurredAt = clean.occurredAt();
        record.ingestedAt = event.time();
        record.payload = mapper.valueToTree(clean).toString();
        record.redactions = mapper.valueToTree(redaction.redactions()).toString();
        record.traceParent = event.traceparent();
        record.traceState = event.tracestate();
        record.persist();

        context.emit(EventKind.EXCEPTION_NORMALIZED, clean);
    }
}

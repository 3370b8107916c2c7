package io.exflow.ingest;

import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

import io.exflow.runtime.Emission;
import io.exflow.runtime.TimeOrderedIds;
import io.exflow.runtime.EventPublisher;
import io.exflow.runtime.event.EventEnvelope;
import io.exflow.runtime.event.EventKind;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

/**
 * Accepts a raw business exception into the pipeline: gives it an id and emits
 * {@code exflow.exception.ingested} through the outbox (so an accepted exception is never
 * lost between the caller's 202 and Kafka). Intake does the validation and redaction.
 */
@ApplicationScoped
public class Ingestion {
    private final EventPublisher publisher;

    public Ingestion(EventPublisher publisher) {
        this.publisher = publisher;
    }

    @Transactional
    public EventEnvelope ingest(String tenantId, JsonNode rawPayload, String channel) {
        UUID exceptionId = TimeOrderedIds.next();
        // The raw submission is not redacted yet: the timeline keeps only where it came from.
        return publisher.publish(Emission.of(EventKind.EXCEPTION_INGESTED, rawPayload).about(tenantId, exceptionId).by(channel)
                .timelineShows(java.util.Map.of("channel", channel)));
    }
}

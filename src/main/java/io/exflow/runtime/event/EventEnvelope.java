package io.exflow.runtime.event;

import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One CloudEvent as exflow handles it: the required attributes, exflow's extensions and the
 * JSON data. {@code exceptionId} is a UUID; {@code correlationId} defaults to it.
 */
public record EventEnvelope(
        UUID id,
        String type,
        String source,
        Instant time,
        String tenantId,
        UUID exceptionId,
        String correlationId,
        String causationId,
        int schemaVersion,
        JsonNode data) {

    /** Kafka record key of every event: one exception's events share a partition and stay in order. */
    public static String partitionKey(String tenantId, UUID exceptionId) {
        return tenantId + ":" + exceptionId;
    }

    public String partitionKey() {
        return partitionKey(tenantId, exceptionId);
    }
}

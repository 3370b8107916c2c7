package io.exflow.runtime.event;

import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One CloudEvent as exflow handles it: the required attributes, exflow's extensions and the
 * JSON data. {@code exceptionId} is a UUID; {@code correlationId} defaults to it.
 * {@code traceparent} and {@code tracestate} are the CloudEvents distributed-tracing extension
 * (W3C Trace Context), null when the event carries no trace (see docs/tracing.md).
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
        JsonNode data,
        String traceparent,
        String tracestate) {

    /** An event without trace context. */
    public EventEnvelope(UUID id, String type, String source, Instant time, String tenantId, UUID exceptionId,
            String correlationId, String causationId, int schemaVersion, JsonNode data) {
        this(id, type, source, time, tenantId, exceptionId, correlationId, causationId, schemaVersion, data, null, null);
    }

    /** Kafka record key of every event: one exception's events share a partition and stay in order. */
    public static String partitionKey(String tenantId, UUID exceptionId) {
        return tenantId + ":" + exceptionId;
    }

    public String partitionKey() {
        return partitionKey(tenantId, exceptionId);
    }

    /** Reads events' data into payload records (lenient about fields a newer producer adds). */
    private static final com.fasterxml.jackson.databind.ObjectMapper DATA = new com.fasterxml.jackson.databind.ObjectMapper()
            .findAndRegisterModules()
            .disable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * The data as its payload record (see {@code io.exflow.domain.events}).
     *
     * @throws InvalidEventData when there is none or it does not fit the record (dead-lettered VALIDATION_FAILED)
     */
    public <T> T data(Class<T> type) {
        T value;
        try {
            value = data == null || data.isNull() ? null : DATA.treeToValue(data, type);
        } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
            // the class only: a parser's message may quote the data, which may hold personal data
            throw new InvalidEventData(this.type + " data does not fit " + type.getSimpleName() + " ("
                    + e.getClass().getSimpleName() + ")");
        }
        if (value == null) {
            throw new InvalidEventData(this.type + " has no data");
        }
        return value;
    }
}

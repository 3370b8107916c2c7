package io.exflow.runtime;

import java.util.UUID;

import io.exflow.runtime.event.EventKind;

/**
 * An event to emit: its kind and data, the exception it is about, who emits it, what caused it,
 * and optionally what the timeline shows instead of the data or the Redis list it goes to.
 * Built step by step: {@code Emission.of(kind, data).about(tenant, exception).by(actor)}.
 */
public record Emission(EventKind kind, Object data, String tenantId, UUID exceptionId, String actor, String correlationId,
        String causationId, Object timelineDetail, String queue) {

    public static Emission of(EventKind kind, Object data) {
        return new Emission(kind, data, null, null, null, null, null, null, null);
    }

    public Emission about(String tenant, UUID exception) {
        return new Emission(kind, data, tenant, exception, actor, correlationId, causationId, timelineDetail, queue);
    }

    public Emission by(String emitter) {
        return new Emission(kind, data, tenantId, exceptionId, emitter, correlationId, causationId, timelineDetail, queue);
    }

    /** The correlation id (defaults to the exception id) and the id of the event that caused this one. */
    public Emission causedBy(String correlation, String causation) {
        return new Emission(kind, data, tenantId, exceptionId, actor, correlation, causation, timelineDetail, queue);
    }

    /** What the timeline keeps instead of the data (for data that must not be kept there, such as a raw submission). */
    public Emission timelineShows(Object detail) {
        return new Emission(kind, data, tenantId, exceptionId, actor, correlationId, causationId, detail, queue);
    }

    /** A job for this Redis list (a structured CloudEvent, since lists carry no headers) instead of a Kafka topic. */
    public Emission toQueue(String list) {
        return new Emission(kind, data, tenantId, exceptionId, actor, correlationId, causationId, timelineDetail, list);
    }
}

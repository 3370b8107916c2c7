package io.exflow.runtime;

import java.time.Instant;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.exflow.runtime.config.ExflowSettings;
import io.exflow.runtime.delivery.AfterCommit;
import io.exflow.runtime.delivery.Outbox;
import io.exflow.runtime.delivery.OutboxRelay;
import io.exflow.runtime.delivery.PendingWrites;
import io.exflow.runtime.delivery.Timeline;
import io.exflow.runtime.event.CloudEventCodec;
import io.exflow.runtime.event.EventEnvelope;
import io.exflow.runtime.event.EventKind;
import io.exflow.runtime.redis.RedisKeys;
import io.exflow.runtime.tracing.Tracing;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Emits events through the outbox and adds them to the exception's timeline. Handlers use it
 * through {@link HandlerContext#emit}; code that starts work itself (the api, the SLA monitor,
 * the demo) calls {@link #publish} inside its own transaction, and the rows are handed to the
 * relay when that transaction commits.
 */
@ApplicationScoped
public class EventPublisher {
    private final ExflowSettings settings;
    private final CloudEventCodec codec;
    private final ObjectMapper mapper;
    private final Outbox outbox;
    private final Timeline timeline;
    private final AfterCommit afterCommit;
    private final RedisKeys redisKeys;
    private final Tracing tracing;

    public EventPublisher(ExflowSettings settings, CloudEventCodec codec, ObjectMapper mapper, Outbox outbox,
            Timeline timeline, AfterCommit afterCommit, RedisKeys redisKeys, Tracing tracing) {
        this.tracing = tracing;
        this.settings = settings;
        this.codec = codec;
        this.mapper = mapper;
        this.outbox = outbox;
        this.timeline = timeline;
        this.afterCommit = afterCommit;
        this.redisKeys = redisKeys;
    }

    /** Writes the event in the current (required) transaction and publishes it once that commits. */
    public EventEnvelope publish(Emission emission) {
        PendingWrites now = new PendingWrites();
        EventEnvelope event = write(now, emission);
        afterCommit.onCommit(now.flush(outbox, timeline));
        return event;
    }

    /**
     * Adds the event's outbox row and timeline entry to {@code pending}, written when the
     * caller flushes it in the same transaction (the delivery engine does, once per lane). The
     * event carries the current trace context (the handler's span, the api request's, ...).
     */
    public EventEnvelope write(PendingWrites pending, Emission emission) {
        EventKind kind = emission.kind();
        String[] trace = tracing.current();
        EventEnvelope event = new EventEnvelope(TimeOrderedIds.next(), kind.type(), "/exflow/" + emission.actor(), Instant.now(),
                emission.tenantId(), emission.exceptionId(),
                emission.correlationId() == null ? emission.exceptionId().toString() : emission.correlationId(),
                emission.causationId(), kind.schemaVersion(), mapper.valueToTree(emission.data()),
                trace == null ? null : trace[0], trace == null ? null : trace[1]);
        Object timelineDetail = emission.timelineDetail() != null ? emission.timelineDetail() : event.data();
        if (emission.queue() == null) {
            byte[] data = codec.dataBytes(event);
            pending.add(new PendingWrites.OutboxRow(kind.topic().name(settings.topics()), event.partitionKey(), codec.headers(event),
                    data));
            if (emission.timelineDetail() == null) {
                timelineDetail = new PendingWrites.SerializedJson(data); // the same JSON: serialize it once
            }
        } else {
            pending.add(new PendingWrites.OutboxRow(OutboxRelay.REDIS_DESTINATION + redisKeys.key(emission.queue()),
                    event.partitionKey(), codec.traceHeaders(event), codec.structured(event)));
        }
        pending.add(new PendingWrites.TimelineEntry(event.exceptionId(), event.tenantId(), event.id(), event.type(),
                emission.actor(), timelineDetail));
        return event;
    }
}

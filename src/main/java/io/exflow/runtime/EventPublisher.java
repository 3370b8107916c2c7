package io.exflow.runtime;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.exflow.runtime.config.ExflowSettings;
import io.exflow.runtime.delivery.Outbox;
import io.exflow.runtime.delivery.OutboxRelay;
import io.exflow.runtime.delivery.PendingWrites;
import io.exflow.runtime.delivery.Timeline;
import io.exflow.runtime.event.CloudEventCodec;
import io.exflow.runtime.event.EventEnvelope;
import io.exflow.runtime.event.EventKind;
import io.exflow.runtime.redis.RedisKeys;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;

/**
 * Emits events from the current transaction through the outbox, and adds them to the
 * exception's timeline. Handlers use it through {@link HandlerContext#emit}; code that starts
 * work itself (the api, the SLA monitor, the demo) calls {@link #publish} inside its own
 * transaction, and the rows are handed to the relay when that transaction commits.
 */
@ApplicationScoped
public class EventPublisher {
    private final ExflowSettings settings;
    private final CloudEventCodec codec;
    private final ObjectMapper mapper;
    private final Outbox outbox;
    private final Timeline timeline;
    private final OutboxRelay relay;
    private final TransactionSynchronizationRegistry transactions;
    private final RedisKeys redisKeys;

    public EventPublisher(ExflowSettings settings, CloudEventCodec codec, ObjectMapper mapper, Outbox outbox,
            Timeline timeline, OutboxRelay relay, TransactionSynchronizationRegistry transactions, RedisKeys redisKeys) {
        this.redisKeys = redisKeys;
        this.settings = settings;
        this.codec = codec;
        this.mapper = mapper;
        this.outbox = outbox;
        this.timeline = timeline;
        this.relay = relay;
        this.transactions = transactions;
    }

    /** An event written to the outbox, and the outbox row that carries it. */
    public record Written(EventEnvelope event, long outboxId) {
    }

    /** Writes the event and its timeline entry in the current transaction; the caller publishes the row after commit. */
    public Written write(EventKind kind, String actor, String tenantId, UUID exceptionId, String correlationId,
            String causationId, Object data) {
        return write(kind, actor, tenantId, exceptionId, correlationId, causationId, data, null);
    }

    /**
     * As {@link #write}, with the timeline showing {@code timelineDetail} instead of the data
     * (for data that must not be kept there, such as a raw, unredacted submission).
     */
    public Written write(EventKind kind, String actor, String tenantId, UUID exceptionId, String correlationId,
            String causationId, Object data, Object timelineDetail) {
        return writtenNow(now -> write(now, kind, actor, tenantId, exceptionId, correlationId, causationId, data, timelineDetail));
    }

    /**
     * Adds the event's outbox row and timeline entry to {@code pending}, written when the
     * caller flushes it in the same transaction (the delivery engine does, once per lane).
     */
    public EventEnvelope write(PendingWrites pending, EventKind kind, String actor, String tenantId, UUID exceptionId,
            String correlationId, String causationId, Object data, Object timelineDetail) {
        EventEnvelope event = envelope(kind, actor, tenantId, exceptionId, correlationId, causationId, data);
        pending.add(new PendingWrites.OutboxRow(kind.topic().name(settings.topics()), event.partitionKey(), codec.headers(event),
                codec.dataBytes(event)));
        pending.add(new PendingWrites.TimelineEntry(exceptionId, tenantId, event.id(), event.type(), actor,
                timelineDetail != null ? timelineDetail : event.data()));
        return event;
    }

    /**
     * Writes a job event for a Redis list (structured CloudEvent, since lists carry no headers)
     * in the current transaction; the relay pushes it after commit. No job without its
     * transaction, no committed transaction without its job.
     */
    public Written writeToQueue(EventKind kind, String queue, String actor, String tenantId, UUID exceptionId,
            String correlationId, String causationId, Object data) {
        return writtenNow(now -> writeToQueue(now, kind, queue, actor, tenantId, exceptionId, correlationId, causationId, data));
    }

    /** As {@link #writeToQueue}, added to {@code pending} (see {@link #write(PendingWrites, EventKind, String, String, UUID, String, String, Object, Object)}). */
    public EventEnvelope writeToQueue(PendingWrites pending, EventKind kind, String queue, String actor, String tenantId,
            UUID exceptionId, String correlationId, String causationId, Object data) {
        EventEnvelope event = envelope(kind, actor, tenantId, exceptionId, correlationId, causationId, data);
        pending.add(new PendingWrites.OutboxRow(OutboxRelay.REDIS_DESTINATION + redisKeys.key(queue), event.partitionKey(),
                Map.of(), codec.structured(event)));
        pending.add(new PendingWrites.TimelineEntry(exceptionId, tenantId, event.id(), event.type(), actor, event.data()));
        return event;
    }

    /** One event's rows written at once (callers outside the delivery engine, which batches per lane). */
    private Written writtenNow(java.util.function.Function<PendingWrites, EventEnvelope> add) {
        PendingWrites now = new PendingWrites();
        EventEnvelope event = add.apply(now);
        return new Written(event, now.flush(outbox, timeline).get(0));
    }

    private EventEnvelope envelope(EventKind kind, String actor, String tenantId, UUID exceptionId, String correlationId,
            String causationId, Object data) {
        return new EventEnvelope(UUID.randomUUID(), kind.type(), "/exflow/" + actor, Instant.now(), tenantId, exceptionId,
                correlationId == null ? exceptionId.toString() : correlationId, causationId, kind.schemaVersion(),
                mapper.valueToTree(data));
    }

    /** Writes the event in the current (required) transaction and publishes it once that commits. */
    public EventEnvelope publish(EventKind kind, String actor, String tenantId, UUID exceptionId, String correlationId,
            String causationId, Object data) {
        return publish(kind, actor, tenantId, exceptionId, correlationId, causationId, data, null);
    }

    /** As {@link #publish}, with a different timeline detail (see {@link #write(EventKind, String, String, UUID, String, String, Object, Object)}). */
    public EventEnvelope publish(EventKind kind, String actor, String tenantId, UUID exceptionId, String correlationId,
            String causationId, Object data, Object timelineDetail) {
        Written written = write(kind, actor, tenantId, exceptionId, correlationId, causationId, data, timelineDetail);
        afterCommit().add(written.outboxId());
        return written.event();
    }

    /** Writes a queue job in the current (required) transaction and pushes it once that commits. */
    public EventEnvelope publishToQueue(EventKind kind, String queue, String actor, String tenantId, UUID exceptionId,
            String correlationId, String causationId, Object data) {
        Written written = writeToQueue(kind, queue, actor, tenantId, exceptionId, correlationId, causationId, data);
        afterCommit().add(written.outboxId());
        return written.event();
    }

    @SuppressWarnings("unchecked")
    private List<Long> afterCommit() {
        Object key = EventPublisher.class;
        List<Long> ids = (List<Long>) transactions.getResource(key);
        if (ids == null) {
            List<Long> fresh = new ArrayList<>();
            transactions.putResource(key, fresh);
            transactions.registerInterposedSynchronization(new Synchronization() {
                @Override
                public void beforeCompletion() {
                }

                @Override
                public void afterCompletion(int status) {
                    if (status == Status.STATUS_COMMITTED) {
                        relay.publishSoon(fresh);
                    }
                }
            });
            ids = fresh;
        }
        return ids;
    }
}

package io.exflow.runtime.delivery;

import io.exflow.runtime.Emission;
import io.exflow.runtime.EventPublisher;
import io.exflow.runtime.HandlerContext;
import io.exflow.runtime.event.EventEnvelope;
import io.exflow.runtime.event.EventKind;

/** A handler's view of the lane transaction it runs in, for the one event it handles. */
final class LaneContext implements HandlerContext {
    private final EventPublisher publisher;
    private final Subscriber subscriber;
    private final EventEnvelope event;
    private final int attempt;
    private final UnitOfWork work;
    private final Object prepared;

    LaneContext(EventPublisher publisher, Subscriber subscriber, EventEnvelope event, int attempt, UnitOfWork work,
            Object prepared) {
        this.publisher = publisher;
        this.subscriber = subscriber;
        this.event = event;
        this.attempt = attempt;
        this.work = work;
        this.prepared = prepared;
    }

    @Override
    public EventEnvelope emit(EventKind kind, Object data) {
        return publisher.write(work.pending, causedByThisEvent(kind, data));
    }

    @Override
    public EventEnvelope enqueue(EventKind kind, String queue, Object data) {
        return publisher.write(work.pending, causedByThisEvent(kind, data).toQueue(queue));
    }

    private Emission causedByThisEvent(EventKind kind, Object data) {
        return Emission.of(kind, data).about(event.tenantId(), event.exceptionId()).by(subscriber.role().id())
                .causedBy(event.correlationId(), event.id().toString());
    }

    @Override
    public void note(String entryType, Object detail) {
        work.pending.add(new PendingWrites.TimelineEntry(event.exceptionId(), event.tenantId(), event.id(), entryType,
                subscriber.role().id(), detail));
    }

    @Override
    public <T> T prepared(Class<T> type) {
        return prepared == null ? null : type.cast(prepared);
    }

    @Override
    public String consumer() {
        return subscriber.consumerGroup();
    }

    @Override
    public int attempt() {
        return attempt;
    }
}

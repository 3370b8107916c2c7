package io.exflow.runtime.delivery;

import java.util.List;

import io.exflow.runtime.event.EventEnvelope;
import io.exflow.runtime.metrics.ExflowMetrics.Outcome;
import io.exflow.runtime.tracing.Tracing;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The delivery engine's spans (docs/tracing.md): one span per lane transaction, one per handled
 * event, one per retry scheduled or dead letter. A lane of one event is a child of that event's
 * trace and parents its handler span; a lane of several is a span of its own with a link to each
 * event's trace, and each handler span (a child of its own event's trace) links back to it.
 * Only used when {@link Tracing#enabled()}.
 */
@ApplicationScoped
class DeliverySpans {
    static final String TRANSACTION = "exflow.transaction";
    static final String RETRY_SCHEDULED = "exflow.retry_scheduled";
    static final String DEAD_LETTERED = "exflow.dead_lettered";

    private final Tracing tracing;

    DeliverySpans(Tracing tracing) {
        this.tracing = tracing;
    }

    boolean enabled() {
        return tracing.enabled();
    }

    /** Starts the span of a lane transaction and notes it on the work. */
    void startTransaction(String consumer, List<CheckedRecord> checked, UnitOfWork work) {
        EventEnvelope only = checked.size() == 1 ? checked.get(0).event() : null;
        boolean inTrace = only != null && only.traceparent() != null;
        SpanBuilder b = tracing.span(TRANSACTION + " " + consumer, SpanKind.INTERNAL, inTrace ? Tracing.parentOf(only) : Context.root())
                .setAttribute(Tracing.CONSUMER, consumer).setAttribute(Tracing.RECORDS, (long) checked.size());
        if (inTrace) {
            b.setAllAttributes(Tracing.ids(only));
        } else {
            for (CheckedRecord c : checked) { // one link per traced event, naming it (the SDK keeps up to 128)
                SpanContext parent = c.event() == null ? SpanContext.getInvalid()
                        : Span.fromContext(Tracing.parentOf(c.event())).getSpanContext();
                if (parent.isValid()) {
                    b.addLink(parent, Tracing.ids(c.event()));
                }
            }
        }
        work.span = b.startSpan();
        work.spanInEventTrace = inTrace;
    }

    void endTransaction(UnitOfWork work, RuntimeException failure) {
        if (work.span == null) {
            return;
        }
        if (failure != null) {
            Tracing.failed(work.span, failure);
        }
        work.span.end();
    }

    /** The span of one handler run: a child of its event's trace (through a lane-of-one's transaction span). */
    Span startHandler(String consumer, EventEnvelope event, int attempt, UnitOfWork work) {
        Context parent = work.span != null && work.spanInEventTrace ? Context.root().with(work.span) : Tracing.parentOf(event);
        SpanBuilder b = tracing.span("handle " + event.type(), SpanKind.CONSUMER, parent).setAllAttributes(Tracing.ids(event))
                .setAttribute(Tracing.CONSUMER, consumer).setAttribute(Tracing.ATTEMPT, (long) attempt);
        if (work.span != null && !work.spanInEventTrace) {
            b.addLink(work.span.getSpanContext());
        }
        return b.startSpan();
    }

    /** After commit: a span in each failed record's trace saying it was retried or dead-lettered, and why. */
    void failures(String consumer, List<UnitOfWork.Failed> failed) {
        for (UnitOfWork.Failed f : failed) {
            Context parent = f.event() != null ? Tracing.parentOf(f.event()) : Tracing.parentOf(f.record().headers());
            Attributes ids = f.event() != null ? Tracing.ids(f.event()) : Tracing.ids(f.record().headers());
            boolean dead = f.outcome() == Outcome.DEAD_LETTERED;
            SpanBuilder b = tracing.span(dead ? DEAD_LETTERED : RETRY_SCHEDULED, SpanKind.INTERNAL, parent).setAllAttributes(ids)
                    .setAttribute(Tracing.CONSUMER, consumer).setAttribute(Tracing.ATTEMPT, (long) f.attempt());
            if (f.reason() != null) {
                b.setAttribute(Tracing.REASON, f.reason());
            }
            Span span = b.startSpan();
            if (dead) {
                span.setStatus(StatusCode.ERROR, f.reason());
            }
            span.end();
        }
    }
}

package io.exflow.runtime.delivery;

import java.util.ArrayList;
import java.util.List;

import io.exflow.runtime.tracing.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The outbox relay's spans: one per traced row it sends, a child of the context the row's event
 * was written in (its {@code ce_traceparent}), carrying the event's ids, ended once the send is
 * acknowledged (or failed). Untraced rows and a disabled SDK cost nothing.
 */
@ApplicationScoped
class PublishSpans {
    private final Tracing tracing;

    PublishSpans(Tracing tracing) {
        this.tracing = tracing;
    }

    /** The spans of one send, ended together. */
    static final class Sending {
        private static final Sending NONE = new Sending(List.of());
        private final List<Span> spans;

        private Sending(List<Span> spans) {
            this.spans = spans;
        }

        void end(RuntimeException failure) {
            for (Span span : spans) {
                if (failure != null) {
                    Tracing.failed(span, failure);
                }
                span.end();
            }
        }
    }

    Sending start(List<Outbox.Stored> rows) {
        if (!tracing.enabled()) {
            return Sending.NONE;
        }
        List<Span> spans = new ArrayList<>();
        for (Outbox.Stored stored : rows) {
            PendingWrites.OutboxRow row = stored.row();
            Context parent = Tracing.parentOf(row.headers());
            if (parent == Context.root()) {
                continue;
            }
            String destination = row.topic().startsWith(OutboxRelay.REDIS_DESTINATION)
                    ? row.topic().substring(OutboxRelay.REDIS_DESTINATION.length())
                    : row.topic();
            spans.add(tracing.span("publish " + destination, SpanKind.PRODUCER, parent).setAllAttributes(Tracing.ids(row.headers()))
                    .setAttribute(Tracing.DESTINATION, destination).startSpan());
        }
        return spans.isEmpty() ? Sending.NONE : new Sending(spans);
    }
}

package io.exflow.runtime.tracing;

import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.exflow.runtime.event.EventEnvelope;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * exflow's spans and the trace context its events carry (the CloudEvents distributed-tracing
 * extension: W3C {@code traceparent}/{@code tracestate}). With the OpenTelemetry SDK disabled
 * (the default) {@link #enabled()} is false and callers skip all of it, so an untraced event
 * costs one boolean test per step. Span names, attributes and how a lane batch maps to spans:
 * docs/tracing.md. Attributes are ids only, never payload or personal data.
 */
@ApplicationScoped
public class Tracing {
    public static final AttributeKey<String> TENANT = AttributeKey.stringKey("exflow.tenant.id");
    public static final AttributeKey<String> EXCEPTION = AttributeKey.stringKey("exflow.exception.id");
    /** The OpenTelemetry semantic conventions' CloudEvents attributes. */
    public static final AttributeKey<String> EVENT_ID = AttributeKey.stringKey("cloudevents.event_id");
    public static final AttributeKey<String> EVENT_TYPE = AttributeKey.stringKey("cloudevents.event_type");
    public static final AttributeKey<String> CONSUMER = AttributeKey.stringKey("messaging.consumer.group.name");
    public static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    public static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("exflow.attempt");
    public static final AttributeKey<Long> RECORDS = AttributeKey.longKey("exflow.lane.records");
    public static final AttributeKey<String> REASON = AttributeKey.stringKey("exflow.deadletter.reason");
    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";
    private static final String CE_TRACEPARENT = "ce_" + TRACEPARENT;
    private static final String CE_TRACESTATE = "ce_" + TRACESTATE;

    private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();
    private static final TextMapGetter<String[]> PAIR = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(String[] carrier) {
            return List.of(TRACEPARENT, TRACESTATE);
        }

        @Override
        public String get(String[] carrier, String key) {
            return carrier == null ? null : TRACEPARENT.equals(key) ? carrier[0] : TRACESTATE.equals(key) ? carrier[1] : null;
        }
    };

    private final boolean enabled;
    private final Tracer tracer;

    public Tracing(OpenTelemetry openTelemetry,
            @ConfigProperty(name = "quarkus.otel.sdk.disabled", defaultValue = "false") boolean sdkDisabled) {
        this.enabled = !sdkDisabled;
        this.tracer = openTelemetry.getTracer("io.exflow");
    }

    /** False when tracing is off: then no span is started and no trace attribute written. */
    public boolean enabled() {
        return enabled;
    }

    /** The trace context an event was emitted in, or the root context when it carries none (or a malformed one). */
    public static Context parentOf(EventEnvelope event) {
        return event == null ? Context.root() : parentOf(event.traceparent(), event.tracestate());
    }

    /** The trace context of binary-mode CloudEvents headers ({@code ce_traceparent}, {@code ce_tracestate}). */
    public static Context parentOf(Map<String, String> headers) {
        return parentOf(headers.get(CE_TRACEPARENT), headers.get(CE_TRACESTATE));
    }

    public static Context parentOf(String traceparent, String tracestate) {
        if (traceparent == null) {
            return Context.root();
        }
        return W3C.extract(Context.root(), new String[] { traceparent, tracestate }, PAIR);
    }

    /** The span context a traceparent names; invalid when it names none. */
    public static SpanContext spanContextOf(String traceparent, String tracestate) {
        return Span.fromContext(parentOf(traceparent, tracestate)).getSpanContext();
    }

    /**
     * The current trace context as {@code traceparent} and {@code tracestate} values (tracestate
     * may be null), or null when tracing is off or no span is current.
     */
    public String[] current() {
        if (!enabled) {
            return null;
        }
        Context context = Context.current();
        if (!Span.fromContext(context).getSpanContext().isValid()) {
            return null;
        }
        String[] pair = new String[2];
        W3C.inject(context, pair, (carrier, key, value) -> {
            if (TRACEPARENT.equals(key)) {
                carrier[0] = value;
            } else if (TRACESTATE.equals(key)) {
                carrier[1] = value.isEmpty() ? null : value;
            }
        });
        return pair[0] == null ? null : pair;
    }

    /** Adds the current context's {@code traceparent} (and {@code tracestate}) to an outgoing request's headers. */
    public static void injectCurrent(BiConsumer<String, String> header) {
        W3C.inject(Context.current(), header, (h, key, value) -> h.accept(key, value));
    }

    /** A span builder with an explicit parent (the root context makes a new trace). */
    public SpanBuilder span(String name, SpanKind kind, Context parent) {
        return tracer.spanBuilder(name).setSpanKind(kind).setParent(parent);
    }

    /** The ids an event's spans carry. */
    public static Attributes ids(EventEnvelope event) {
        AttributesBuilder b = Attributes.builder().put(EVENT_ID, event.id().toString()).put(EVENT_TYPE, event.type())
                .put(EXCEPTION, event.exceptionId().toString());
        if (event.tenantId() != null) {
            b.put(TENANT, event.tenantId());
        }
        return b.build();
    }

    /** The ids of a record's binary-mode CloudEvents headers (those present). */
    public static Attributes ids(Map<String, String> headers) {
        AttributesBuilder b = Attributes.builder();
        putIfPresent(b, EVENT_ID, headers.get("ce_id"));
        putIfPresent(b, EVENT_TYPE, headers.get("ce_type"));
        putIfPresent(b, EXCEPTION, headers.get("ce_exceptionid"));
        putIfPresent(b, TENANT, headers.get("ce_tenantid"));
        return b.build();
    }

    private static void putIfPresent(AttributesBuilder b, AttributeKey<String> key, String value) {
        if (value != null) {
            b.put(key, value);
        }
    }

    /** Marks a span failed with the failure's class (its message may quote data, so it is not recorded). */
    public static void failed(Span span, Throwable failure) {
        span.setStatus(StatusCode.ERROR, failure.getClass().getSimpleName());
        span.setAttribute(AttributeKey.stringKey("exception.type"), failure.getClass().getName());
    }
}

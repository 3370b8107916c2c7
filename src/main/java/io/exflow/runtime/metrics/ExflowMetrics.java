package io.exflow.runtime.metrics;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * exflow's own meters (exported as {@code exflow_*}). Outcomes are counted after the
 * transaction that produced them commits, so a rolled-back batch is never counted.
 */
@ApplicationScoped
public class ExflowMetrics {

    /** What happened to one delivered record. */
    public enum Outcome {
        PROCESSED, DUPLICATE, RETRY_SCHEDULED, DEAD_LETTERED, PARKED;

        public String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final MeterRegistry registry;
    private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> gauges = new ConcurrentHashMap<>();

    public ExflowMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void outcome(String worker, String eventType, Outcome outcome) {
        Counter.builder("exflow.events.processed").description("Records handled, by outcome")
                .tag("worker", worker).tag("type", safe(eventType)).tag("outcome", outcome.tag())
                .register(registry).increment();
        switch (outcome) {
            case DUPLICATE -> Counter.builder("exflow.duplicates.skipped").description("Duplicate deliveries acked and skipped")
                    .tag("worker", worker).register(registry).increment();
            case RETRY_SCHEDULED -> Counter.builder("exflow.retries.scheduled").description("Durable retries scheduled")
                    .tag("worker", worker).tag("type", safe(eventType)).register(registry).increment();
            default -> {
            }
        }
    }

    public void deadLettered(String worker, String reason) {
        Counter.builder("exflow.dead.letters").description("Records dead-lettered, by reason")
                .tag("worker", worker).tag("reason", reason).register(registry).increment();
        if ("TENANT_REJECTED".equals(reason)) {
            Counter.builder("exflow.tenant.rejections").description("Events rejected by the tenant guard")
                    .tag("worker", worker).register(registry).increment();
        }
    }

    public void processingTime(String worker, String eventType, Duration duration) {
        Timer.builder("exflow.event.processing").description("Handler time per record, including its transaction share")
                .tag("worker", worker).tag("type", safe(eventType)).publishPercentileHistogram()
                .register(registry).record(duration);
    }

    public AtomicInteger inFlight(String worker) {
        return inFlight.computeIfAbsent(worker, w -> registry.gauge("exflow.events.in.flight",
                io.micrometer.core.instrument.Tags.of("worker", w), new AtomicInteger()));
    }

    /** A gauge whose value the caller sets (lags, backlogs, queue lengths). */
    public AtomicLong gauge(String name, String... tags) {
        String id = name + String.join(",", tags);
        return gauges.computeIfAbsent(id, k -> registry.gauge(name, io.micrometer.core.instrument.Tags.of(tags), new AtomicLong()));
    }

    public double count(String name, String... tags) {
        Counter c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    private static String safe(String type) {
        return type == null ? "unknown" : type;
    }
}

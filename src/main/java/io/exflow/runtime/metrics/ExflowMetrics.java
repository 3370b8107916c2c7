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
    private final Map<String, io.micrometer.core.instrument.Meter> meters = new ConcurrentHashMap<>();

    public ExflowMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void outcome(String worker, String eventType, Outcome outcome) {
        counter("exflow.events.processed", "Records handled, by outcome",
                "worker", worker, "type", safe(eventType), "outcome", outcome.tag()).increment();
        switch (outcome) {
            case DUPLICATE -> counter("exflow.duplicates.skipped", "Duplicate deliveries acked and skipped", "worker", worker)
                    .increment();
            case RETRY_SCHEDULED -> counter("exflow.retries.scheduled", "Durable retries scheduled",
                    "worker", worker, "type", safe(eventType)).increment();
            default -> {
            }
        }
    }

    public void deadLettered(String worker, String reason) {
        counter("exflow.dead.letters", "Records dead-lettered, by reason", "worker", worker, "reason", reason).increment();
        if ("TENANT_REJECTED".equals(reason)) {
            counter("exflow.tenant.rejections", "Events rejected by the tenant guard", "worker", worker).increment();
        }
    }

    /** An outbox row Kafka refused for good, moved to outbox_parked. */
    public void outboxParked(String error) {
        counter("exflow.outbox.parked", "Outbox rows that can never be published, moved to outbox_parked", "error", error)
                .increment();
    }

    public void processingTime(String worker, String eventType, Duration duration) {
        String key = "exflow.event.processing|" + worker + "|" + eventType;
        ((Timer) meters.computeIfAbsent(key, k -> Timer.builder("exflow.event.processing")
                .description("Handler time per record, including its transaction share")
                .tag("worker", worker).tag("type", safe(eventType)).publishPercentileHistogram()
                .register(registry))).record(duration);
    }

    /**
     * The stages of a hop (record waiting to be polled, lane transaction, outbox hand-off and
     * publish), so an operator — and bin/bench — can see where a hop's milliseconds go.
     */
    public enum HopStage {
        DELIVERY_WAIT("exflow.delivery.wait", "Age of a Kafka record when its consumer polled it (published -> polled)"),
        LANE_TRANSACTION("exflow.delivery.lane", "A lane's transaction: claims, handlers, outbox and timeline rows, commit"),
        OUTBOX_HANDOFF("exflow.outbox.handoff", "Committed outbox rows waiting for their relay lane (oldest row of a publish)"),
        OUTBOX_PUBLISH("exflow.outbox.publish", "One relay publish: delete, send, acknowledgements, commit");

        final String meter;
        final String description;

        HopStage(String meter, String description) {
            this.meter = meter;
            this.description = description;
        }
    }

    /** Records one stage's duration; {@code worker} is the consumer group, or empty for the relay. */
    public void hop(HopStage stage, String worker, long nanos) {
        String key = stage.meter + "|" + worker;
        ((Timer) meters.computeIfAbsent(key, k -> {
            Timer.Builder b = Timer.builder(stage.meter).description(stage.description);
            return (worker.isEmpty() ? b : b.tag("worker", worker)).register(registry);
        })).record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** Meters are looked up once per name and tags, not built again for every record. */
    private Counter counter(String name, String description, String... tags) {
        String key = name + "|" + String.join("|", tags);
        return (Counter) meters.computeIfAbsent(key, k -> Counter.builder(name).description(description).tags(tags).register(registry));
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

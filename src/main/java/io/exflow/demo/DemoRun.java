package io.exflow.demo;

import java.io.PrintStream;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.exflow.domain.Packs;
import io.exflow.ingest.Ingestion;
import io.exflow.runtime.delivery.Jdbc;
import io.exflow.runtime.event.EventKind;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The main job's demo (DEMO_EXCEPTIONS > 0): ingests a seeded batch for two tenants, shows
 * live progress per stage, then prints a summary — per stage, final states, latency
 * percentiles, dead letters by reason. Health and metrics stay up until the process stops.
 */
@ApplicationScoped
public class DemoRun {
    private static final List<EventKind> STAGES = List.of(EventKind.EXCEPTION_INGESTED, EventKind.EXCEPTION_NORMALIZED,
            EventKind.EXCEPTION_TRIAGED, EventKind.EXCEPTION_DECIDED, EventKind.EXCEPTION_CLOSED);
    private static final Duration GIVE_UP_AFTER = Duration.ofMinutes(3);

    private final int count;
    private final long seed;
    private final String managementPort;
    private final Packs packs;
    private final Ingestion ingestion;
    private final DataSource dataSource;
    private final io.exflow.runtime.WorkerRuntime runtime;
    private final io.exflow.runtime.EventPublisher publisher;
    private final Map<UUID, java.time.Instant> approved = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicInteger approvals = new java.util.concurrent.atomic.AtomicInteger();
    private final PrintStream out = System.out;

    public DemoRun(@ConfigProperty(name = "exflow.demo.exceptions", defaultValue = "0") int count,
            @ConfigProperty(name = "exflow.demo.seed", defaultValue = "42") long seed,
            @ConfigProperty(name = "quarkus.management.port", defaultValue = "9000") String managementPort,
            Packs packs, Ingestion ingestion, DataSource dataSource, io.exflow.runtime.WorkerRuntime runtime,
            io.exflow.runtime.EventPublisher publisher) {
        this.publisher = publisher;
        this.runtime = runtime;
        this.count = count;
        this.seed = seed;
        this.managementPort = managementPort;
        this.packs = packs;
        this.ingestion = ingestion;
        this.dataSource = dataSource;
    }

    void onStart(@Observes @Priority(200) StartupEvent event) {
        if (count > 0) {
            Thread t = new Thread(this::run, "exflow-demo");
            t.setDaemon(true);
            t.start();
        }
    }

    private void run() {
        waitForAssignments();
        long started = System.nanoTime();
        List<DemoBatch.Item> batch = DemoBatch.generate(packs, count, seed);
        out.printf("%nexflow demo: ingesting %d exceptions for %s (seed %d)%n", count, DemoBatch.TENANTS, seed);
        // A few concurrent callers, as the api would see them.
        List<UUID> ids = java.util.Collections.synchronizedList(new ArrayList<>(count));
        try (var callers = java.util.concurrent.Executors.newFixedThreadPool(4)) {
            for (DemoBatch.Item item : batch) {
                callers.execute(() -> ids.add(ingestion.ingest(item.tenantId(), item.payload(), "demo").exceptionId()));
            }
        }
        UUID[] idArray = ids.toArray(UUID[]::new);
        EventKind last = lastStageReachable();
        Map<String, Long> stages;
        long settled;
        do {
            sleep(500);
            if (last == EventKind.EXCEPTION_CLOSED) {
                approveWaiting(idArray);
            }
            stages = stageCounts(idArray);
            long deadLetters = deadLetterCount(idArray);
            settled = deadLetters + ((Number) rows("SELECT count(*) FROM exception_record WHERE id = ANY (?) AND "
                    + (last == EventKind.EXCEPTION_CLOSED ? "closed_at IS NOT NULL" : "state = 'TRIAGED'"), idArray)
                    .get(0).get(0)).longValue();
            StringBuilder line = new StringBuilder(String.format("\r  %5.1fs ", (System.nanoTime() - started) / 1e9));
            for (EventKind stage : STAGES) {
                line.append(String.format("| %s %5d ", shortName(stage), stages.getOrDefault(stage.type(), 0L)));
            }
            line.append(String.format("| dead letters %3d ", deadLetters));
            out.print(line);
            out.flush();
        } while (settled < idArray.length && System.nanoTime() - started < GIVE_UP_AFTER.toNanos());
        out.println();
        printSummary(idArray, stages, last, (System.nanoTime() - started) / 1e9);
        out.printf("%nHealth: http://localhost:%s/q/health   Metrics: http://localhost:%s/q/metrics   (Ctrl-C to stop)%n",
                managementPort, managementPort);
    }

    /** Plays the approver: every exception waiting for a person is approved once, through the api's event. */
    private void approveWaiting(UUID[] ids) {
        for (List<Object> row : rows("SELECT id, tenant_id, updated_at FROM exception_record WHERE id = ANY (?) "
                + "AND state = 'AWAITING_APPROVAL'", ids)) {
            UUID id = (UUID) row.get(0);
            java.time.Instant waitingSince = ((java.sql.Timestamp) row.get(2)).toInstant();
            java.time.Instant answered = approved.get(id);
            // Once per wait: a playbook's own approval step makes the exception wait again later.
            if (answered == null || waitingSince.isAfter(answered)) {
                approved.put(id, java.time.Instant.now());
                approvals.incrementAndGet();
                io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().run(() -> publisher.publish(
                        io.exflow.runtime.Emission.of(EventKind.EXCEPTION_DECIDED, new io.exflow.domain.events.Decided(
                                io.exflow.domain.events.Decided.Decision.APPROVED, null, List.of("approved by the demo"),
                                "demo-approver")).about((String) row.get(1), id).by("api")));
            }
        }
    }

    /** Ingest only once every consumer owns partitions, so the figures show processing, not group joins. */
    private void waitForAssignments() {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline && !(runtime.started()
                && runtime.loops().stream().filter(io.exflow.runtime.kafka.ConsumerLoop.class::isInstance)
                .allMatch(l -> ((io.exflow.runtime.kafka.ConsumerLoop) l).assigned()))) {
            sleep(100);
        }
    }

    /** The furthest stage this build's workers produce (stages grow as worker types are added). */
    private EventKind lastStageReachable() {
        return io.exflow.runtime.config.WorkerRole.IMPLEMENTED.contains(io.exflow.runtime.config.WorkerRole.PLAYBOOK)
                ? EventKind.EXCEPTION_CLOSED : EventKind.EXCEPTION_TRIAGED;
    }

    private void printSummary(UUID[] ids, Map<String, Long> stages, EventKind last, double seconds) {
        out.printf("%n%-28s %8s%n", "stage", "reached");
        out.println("-".repeat(37));
        for (EventKind stage : STAGES) {
            out.printf("%-28s %8d%n", stage.type(), stages.getOrDefault(stage.type(), 0L));
        }
        out.printf("%n%-28s %8s%n", "final state", "count");
        out.println("-".repeat(37));
        rows("SELECT state, count(*) FROM exception_record WHERE id = ANY (?) GROUP BY state ORDER BY state", ids)
                .forEach(r -> out.printf("%-28s %8s%n", r.get(0), r.get(1)));
        out.printf("%n%-28s %8s%n", "decision", "count");
        out.println("-".repeat(37));
        rows("SELECT coalesce(decision, '-'), count(*) FROM exception_record WHERE id = ANY (?) GROUP BY 1 ORDER BY 1", ids)
                .forEach(r -> out.printf("%-28s %8s%n", r.get(0), r.get(1)));
        out.printf("%n%-28s %8s%n", "approvals given by the demo", approvals.get());
        try {
            List<List<Object>> alerts = rows("SELECT kind, count(*) FROM sla_alert WHERE exception_id = ANY (?) GROUP BY 1", ids);
            out.printf("%n%-28s %8s%n", "SLA alerts", "count");
            out.println("-".repeat(37));
            alerts.forEach(r -> out.printf("%-28s %8s%n", r.get(0), r.get(1)));
        } catch (RuntimeException e) {
            // no SLA monitor tables in this build
        }
        out.printf("%n%-28s %8s%n", "dead letters (reason)", "count");
        out.println("-".repeat(37));
        rows("SELECT consumer || ' ' || reason, count(*) FROM dead_letter WHERE exception_id = ANY (?) GROUP BY 1 ORDER BY 1", ids)
                .forEach(r -> out.printf("%-28s %8s%n", r.get(0), r.get(1)));
        List<List<Object>> latency = rows("SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), "
                + "percentile_cont(0.95) WITHIN GROUP (ORDER BY ms), percentile_cont(0.99) WITHIN GROUP (ORDER BY ms), max(ms), count(*) "
                + "FROM (SELECT extract(epoch FROM max(at) FILTER (WHERE event_type = '" + last.type() + "') "
                + "- min(at) FILTER (WHERE event_type = 'exflow.exception.ingested')) * 1000 AS ms "
                + "FROM exception_timeline WHERE exception_id = ANY (?) GROUP BY exception_id) x WHERE ms IS NOT NULL", ids);
        List<Object> l = latency.get(0);
        out.printf("%nlatency ingested -> %s over %s exceptions: p50 %s ms, p95 %s ms, p99 %s ms, max %s ms%n",
                last.type().substring(last.type().lastIndexOf('.') + 1), l.get(4), ms(l.get(0)), ms(l.get(1)), ms(l.get(2)),
                ms(l.get(3)));
        out.printf("wall time %.1f s, %.0f exceptions/s%n", seconds, ids.length / seconds);
    }

    private static String ms(Object value) {
        return value == null ? "-" : String.format("%.0f", ((Number) value).doubleValue());
    }

    private static String shortName(EventKind kind) {
        return kind.type().substring(kind.type().lastIndexOf('.') + 1);
    }

    private Map<String, Long> stageCounts(UUID[] ids) {
        Map<String, Long> counts = new LinkedHashMap<>();
        rows("SELECT event_type, count(DISTINCT exception_id) FROM exception_timeline WHERE exception_id = ANY (?) "
                + "GROUP BY event_type", ids).forEach(r -> counts.put((String) r.get(0), ((Number) r.get(1)).longValue()));
        return counts;
    }

    private long deadLetterCount(UUID[] ids) {
        return ((Number) rows("SELECT count(*) FROM dead_letter WHERE exception_id = ANY (?)", ids).get(0).get(0)).longValue();
    }

    private List<List<Object>> rows(String sql, UUID[] ids) {
        return Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setArray(1, c.createArrayOf("uuid", ids));
                List<List<Object>> result = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    int columns = rs.getMetaData().getColumnCount();
                    while (rs.next()) {
                        List<Object> row = new ArrayList<>();
                        for (int i = 1; i <= columns; i++) {
                            row.add(rs.getObject(i));
                        }
                        result.add(row);
                    }
                }
                return result;
            }
        });
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

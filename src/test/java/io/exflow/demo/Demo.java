package io.exflow.demo;

import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.exflow.api.DevTokens;
import io.exflow.packs.PackLoader;

/**
 * The main job's demo, run by {@code bin/demo} as a user would: a seeded batch for two tenants
 * submitted through the api (HTTP with a dev token), an approver answering every exception that
 * waits for a person through the api, live progress per stage, then a summary — stages, final
 * states, decisions, SLA alerts, dead letters, latency — read from the database. It is not part
 * of the application: a worker image runs none of it.
 */
public final class Demo {
    private static final String[] STAGES = {"exflow.exception.ingested", "exflow.exception.normalized",
            "exflow.exception.triaged", "exflow.exception.decided", "exflow.exception.closed"};
    private static final Duration GIVE_UP_AFTER = Duration.ofMinutes(3);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrintStream out = System.out;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final String api;
    private final String token = DevTokens.token("demo-user", DemoBatch.TENANTS, List.of("ingest", "operator", "approver"));
    private final Connection db;
    private final Map<UUID, Instant> approved = new ConcurrentHashMap<>();
    private final AtomicInteger approvals = new AtomicInteger();

    private Demo(String api, Connection db) {
        this.api = api;
        this.db = db;
    }

    /** Arguments: exceptions, seed, api base URL, management base URL, JDBC URL. */
    public static void main(String[] args) throws Exception {
        int count = Integer.parseInt(args[0]);
        long seed = Long.parseLong(args[1]);
        awaitReady(args[3]);
        try (Connection db = DriverManager.getConnection(args[4], "postgres", "")) {
            new Demo(args[2], db).run(count, seed);
        }
        System.out.printf("%nHealth: %s/q/health   Metrics: %s/q/metrics   (Ctrl-C to stop)%n", args[3], args[3]);
    }

    private void run(int count, long seed) throws Exception {
        long started = System.nanoTime();
        List<DemoBatch.Item> batch = DemoBatch.generate(new PackLoader().load(), count, seed);
        out.printf("%nexflow demo: submitting %d exceptions for %s through the api (seed %d)%n", count, DemoBatch.TENANTS, seed);
        List<UUID> ids = Collections.synchronizedList(new ArrayList<>(count));
        try (ExecutorService callers = Executors.newFixedThreadPool(4)) { // a few concurrent clients
            for (DemoBatch.Item item : batch) {
                callers.execute(() -> ids.add(submit(item)));
            }
        }
        UUID[] idArray = ids.toArray(UUID[]::new);
        Map<String, Long> stages;
        long settled;
        do {
            Thread.sleep(500);
            approveWaiting(idArray);
            stages = stageCounts(idArray);
            long deadLetters = count("SELECT count(*) FROM dead_letter WHERE exception_id = ANY (?)", idArray);
            settled = deadLetters + count("SELECT count(*) FROM exception_record WHERE id = ANY (?) AND closed_at IS NOT NULL",
                    idArray);
            StringBuilder line = new StringBuilder(String.format("\r  %5.1fs ", (System.nanoTime() - started) / 1e9));
            for (String stage : STAGES) {
                line.append(String.format("| %s %5d ", stage.substring(stage.lastIndexOf('.') + 1), stages.getOrDefault(stage, 0L)));
            }
            line.append(String.format("| dead letters %3d ", deadLetters));
            out.print(line);
            out.flush();
        } while (settled < idArray.length && System.nanoTime() - started < GIVE_UP_AFTER.toNanos());
        out.println();
        printSummary(idArray, stages, (System.nanoTime() - started) / 1e9);
    }

    private UUID submit(DemoBatch.Item item) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api + "/api/v1/tenants/" + item.tenantId()
                    + "/exceptions")).header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(item.payload().toString())).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 202) {
                throw new IllegalStateException("submission answered " + r.statusCode() + ": " + r.body());
            }
            return UUID.fromString(JSON.readTree(r.body()).path("exceptionId").asText());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Plays the approver: every exception waiting for a person is approved once per wait, through the api. */
    private void approveWaiting(UUID[] ids) throws Exception {
        for (List<Object> row : rows("SELECT id, tenant_id, updated_at FROM exception_record WHERE id = ANY (?) "
                + "AND state = 'AWAITING_APPROVAL'", ids)) {
            UUID id = (UUID) row.get(0);
            Instant waitingSince = ((java.sql.Timestamp) row.get(2)).toInstant();
            Instant answered = approved.get(id);
            if (answered == null || waitingSince.isAfter(answered)) {
                approved.put(id, Instant.now());
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api + "/api/v1/tenants/" + row.get(1)
                        + "/exceptions/" + id + "/approval")).header("Authorization", "Bearer " + token)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"approve\":true,\"comment\":\"approved by the demo\"}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() / 100 == 2) {
                    approvals.incrementAndGet();
                }
            }
        }
    }

    private void printSummary(UUID[] ids, Map<String, Long> stages, double seconds) throws SQLException {
        table("stage", "reached", STAGES.length == 0 ? List.of() : java.util.Arrays.stream(STAGES)
                .map(s -> List.<Object>of(s, stages.getOrDefault(s, 0L))).toList());
        table("final state", "count", rows("SELECT state, count(*) FROM exception_record WHERE id = ANY (?) GROUP BY state "
                + "ORDER BY state", ids));
        table("decision", "count", rows("SELECT coalesce(decision, '-'), count(*) FROM exception_record WHERE id = ANY (?) "
                + "GROUP BY 1 ORDER BY 1", ids));
        out.printf("%n%-36s %8s%n", "approvals given by the demo", approvals.get());
        table("SLA alerts", "count", rows("SELECT kind, count(*) FROM sla_alert WHERE exception_id = ANY (?) GROUP BY 1", ids));
        table("dead letters (consumer reason)", "count", rows("SELECT consumer || ' ' || reason, count(*) FROM dead_letter "
                + "WHERE exception_id = ANY (?) GROUP BY 1 ORDER BY 1", ids));
        List<Object> l = rows("SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), percentile_cont(0.95) WITHIN GROUP (ORDER BY ms), "
                + "percentile_cont(0.99) WITHIN GROUP (ORDER BY ms), max(ms), count(*) FROM (SELECT extract(epoch FROM "
                + "max(at) FILTER (WHERE event_type = 'exflow.exception.closed') - min(at) FILTER (WHERE event_type = "
                + "'exflow.exception.ingested')) * 1000 AS ms FROM exception_timeline WHERE exception_id = ANY (?) "
                + "GROUP BY exception_id) x WHERE ms IS NOT NULL", ids).get(0);
        out.printf("%nlatency ingested -> closed over %s exceptions: p50 %s ms, p95 %s ms, p99 %s ms, max %s ms%n", l.get(4),
                ms(l.get(0)), ms(l.get(1)), ms(l.get(2)), ms(l.get(3)));
        out.printf("wall time %.1f s, %.0f exceptions/s%n", seconds, ids.length / seconds);
    }

    private void table(String title, String column, List<List<Object>> rows) {
        out.printf("%n%-36s %8s%n", title, column);
        out.println("-".repeat(45));
        rows.forEach(r -> out.printf("%-36s %8s%n", r.get(0), r.get(1)));
    }

    private static String ms(Object value) {
        return value == null ? "-" : String.format("%.0f", ((Number) value).doubleValue());
    }

    private Map<String, Long> stageCounts(UUID[] ids) throws SQLException {
        Map<String, Long> counts = new LinkedHashMap<>();
        rows("SELECT event_type, count(DISTINCT exception_id) FROM exception_timeline WHERE exception_id = ANY (?) "
                + "GROUP BY event_type", ids).forEach(r -> counts.put((String) r.get(0), ((Number) r.get(1)).longValue()));
        return counts;
    }

    private long count(String sql, UUID[] ids) throws SQLException {
        return ((Number) rows(sql, ids).get(0).get(0)).longValue();
    }

    private List<List<Object>> rows(String sql, UUID[] ids) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement(sql)) {
            ps.setArray(1, db.createArrayOf("uuid", ids));
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
    }

    /** Waits for readiness, then a few seconds for the consumer groups to settle their partitions. */
    private static void awaitReady(String management) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(management + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    Thread.sleep(3000);
                    return;
                }
            } catch (java.io.IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("exflow did not become ready within 120 s");
    }
}

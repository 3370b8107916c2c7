package io.exflow.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.exflow.api.DevTokens;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;

/**
 * Two figures of their own: ingestion through the api (HTTP + JWT, with wrk at saturation and a
 * paced client at a fixed rate) and one tool process's call rate against a 150 ms tool.
 */
final class ApiAndToolPhases {
    private static final Pattern WRK_RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern WRK_P99 = Pattern.compile("99%\\s+([0-9.]+)(us|ms|s)");
    private static final Pattern WRK_NON2XX = Pattern.compile("Non-2xx or 3xx responses:\\s+(\\d+)");

    private ApiAndToolPhases() {
    }

    /** wrk against the api of a running process, then a paced client at {@code rate}/s; fills r.api. */
    static void api(Bench.Settings s, Results.Deployment d, int httpPort, int rate) throws Exception {
        String url = "http://127.0.0.1:" + httpPort + "/api/v1/tenants/bench-bank/exceptions";
        String token = DevTokens.token("bench", List.of("bench-bank"), List.of("ingest"));
        String body = new String(Bench.Load.payload(new Random(7), "payment_rejected", 1), StandardCharsets.UTF_8);
        Path lua = s.outDir().resolve("wrk-submit.lua");
        Files.writeString(lua, "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\n"
                + "wrk.headers[\"Authorization\"] = \"Bearer " + token + "\"\nwrk.body = [[" + body + "]]\n");
        Process wrk = new ProcessBuilder("wrk", "-t2", "-c16", "-d10s", "--latency", "-s", lua.toString(), url)
                .redirectErrorStream(true).start();
        String out = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        wrk.waitFor(60, TimeUnit.SECONDS);
        Files.writeString(s.outDir().resolve("logs").resolve("wrk.log"), out);
        Results.Api api = new Results.Api();
        api.saturationRps = number(WRK_RPS, out);
        api.saturationP99Ms = millis(out);
        Matcher non2xx = WRK_NON2XX.matcher(out);
        api.saturationErrors = non2xx.find() ? Long.parseLong(non2xx.group(1)) : 0;
        Bench.OUT.printf("    api, wrk 2 threads x 16 connections, 10 s: %.0f requests/s, p99 %.1f ms, %d non-2xx%n",
                api.saturationRps, api.saturationP99Ms, api.saturationErrors);
        Thread.sleep(5000); // let the pipeline take some of wrk's burst before the paced run
        paced(url, token, body, rate, 10, api);
        d.api = api;
    }

    private static void paced(String url, String token, String body, int rate, int seconds, Results.Api api) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        List<Future<?>> sent = new ArrayList<>();
        int errors[] = {0};
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            long start = System.nanoTime();
            long interval = 1_000_000_000L / rate;
            for (int i = 0; i < rate * seconds; i++) {
                long wait = start + i * interval - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                sent.add(pool.submit(() -> {
                    long t0 = System.nanoTime();
                    HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                            .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding());
                    latencies.add((System.nanoTime() - t0) / 1e6);
                    if (r.statusCode() != 202) {
                        synchronized (errors) {
                            errors[0]++;
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : sent) {
                f.get();
            }
        }
        List<Double> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        api.pacedRate = rate;
        api.pacedP50Ms = sorted.get(sorted.size() / 2);
        api.pacedP99Ms = sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(sorted.size() * 0.99) - 1));
        api.pacedErrors = errors[0];
        Bench.OUT.printf("    api, paced %d requests/s for %d s: p50 %.1f ms, p99 %.1f ms, %d non-202%n", rate, seconds,
                api.pacedP50Ms, api.pacedP99Ms, api.pacedErrors);
    }

    /**
     * One process with WORKER_TYPE=tool and a backlog of jobs for a tool that takes 150 ms: calls
     * per second from the first job taken to the last attempt recorded.
     */
    static void tool(Bench.Settings s, Results r, int jobs) throws Exception {
        Bench.OUT.printf("%n==> one tool process, %d jobs of a 150 ms tool%n", jobs);
        Bench.AppProcess proc = new Bench.AppProcess("tool-only", "tool", 8090, 9090, s);
        proc.start();
        try (Connection db = DriverManager.getConnection(s.jdbcUrl(), "postgres", "")) {
            proc.awaitReady(HttpClient.newHttpClient(), Duration.ofSeconds(120));
            List<UUID> jobIds = push(s, jobs);
            long t0 = System.nanoTime();
            long finished = 0;
            long deadline = t0 + TimeUnit.SECONDS.toNanos(Math.max(60, jobs / 20));
            Instant first = null;
            Instant last = null;
            while (System.nanoTime() < deadline) {
                try (PreparedStatement ps = db.prepareStatement("SELECT count(*), min(started_at), max(finished_at) FROM tool_execution "
                        + "WHERE job_id = ANY (?) AND status <> 'STARTED'")) {
                    ps.setArray(1, db.createArrayOf("uuid", jobIds.toArray()));
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        finished = rs.getLong(1);
                        first = rs.getTimestamp(2) == null ? null : rs.getTimestamp(2).toInstant();
                        last = rs.getTimestamp(3) == null ? null : rs.getTimestamp(3).toInstant();
                    }
                }
                if (finished >= jobs) {
                    break;
                }
                Thread.sleep(250);
            }
            if (finished < jobs || first == null) {
                throw new IllegalStateException("tool phase: only " + finished + " of " + jobs + " attempts recorded");
            }
            double seconds = Duration.between(first, last).toMillis() / 1000.0;
            r.toolCallsPerSecond = jobs / Math.max(0.001, seconds);
            Bench.OUT.printf("    %d calls of a 150 ms tool in %.1f s: %.0f calls/s (CONCURRENCY=%s, TOOL_MAX_CONCURRENT_CALLS default)%n",
                    jobs, seconds, r.toolCallsPerSecond, s.concurrency());
        } finally {
            proc.stop();
        }
    }

    /** Tool jobs as the outbox relay pushes them: a structured CloudEvent per job and a wake-up token. */
    private static List<UUID> push(Bench.Settings s, int jobs) throws Exception {
        var vertx = io.vertx.core.Vertx.vertx();
        try {
            Redis client = Redis.createClient(vertx, s.redisUrl());
            RedisAPI redis = RedisAPI.api(client);
            String queue = s.redisPrefix() + "exflow:jobs:tool:default";
            List<UUID> ids = new ArrayList<>();
            List<String> args = new ArrayList<>(List.of(queue));
            for (int i = 0; i < jobs; i++) {
                UUID jobId = UUID.randomUUID();
                ids.add(jobId);
                UUID exceptionId = UUID.randomUUID();
                JsonObject job = new JsonObject().put("specversion", "1.0").put("id", UUID.randomUUID().toString())
                        .put("type", "exflow.tool.job").put("source", "/exflow/bench").put("time", Instant.now().toString())
                        .put("tenantid", "bench-bank").put("exceptionid", exceptionId.toString())
                        .put("correlationid", exceptionId.toString()).put("schemaversion", "1")
                        .put("datacontenttype", "application/json")
                        .put("data", new JsonObject().put("jobId", jobId.toString()).put("playbookId", "bench")
                                .put("stepIndex", 0).put("step", "slow").put("tool", "bench.pay.slow").put("attempt", 1)
                                .put("params", new JsonObject()));
                args.add(job.encode());
            }
            redis.lpush(args).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            redis.lpush(List.of(queue + ":wake", "1", "1", "1", "1")).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            client.close();
            return ids;
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private static double number(Pattern p, String out) {
        Matcher m = p.matcher(out);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    private static double millis(String out) {
        Matcher m = WRK_P99.matcher(out);
        if (!m.find()) {
            return Double.NaN;
        }
        double v = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "us" -> v / 1000;
            case "s" -> v * 1000;
            default -> v;
        };
    }

    static String format(double v) {
        return String.format(Locale.ROOT, "%.0f", v);
    }
}

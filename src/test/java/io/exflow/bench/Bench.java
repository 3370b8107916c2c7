package io.exflow.bench;

import java.io.IOException;
import java.io.PrintStream;
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
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * exflow's benchmark (issue 5), run by {@code bin/bench}: the packaged app against the local
 * Kafka broker, PostgreSQL and Redis, in two deployments (one process with every role, one
 * process per role), then the limits of the same machine measured in the same run (raw Kafka
 * hops, the handler's SQL on pgbench, Redis LMOVE). Prints progress and a table; writes
 * {@code target/bench/report.md} and the chart {@code target/bench/benchmarks.png}.
 *
 * <p>Load enters as binary-mode CloudEvents produced straight to {@code exflow.exceptions.ingested}
 * — byte for byte what the api's outbox relay publishes — so the figures are the worker
 * pipeline's and the load generator stays cheap on a 2-core machine (an HTTP client, JWTs and
 * the api's own outbox would compete for the same cores). Ingestion time is the event's
 * {@code time} (which intake stores as {@code ingested_at}); close time is the record's
 * {@code closed_at}; both come from the same clock.
 */
public final class Bench {
    static final PrintStream OUT = System.out;
    static final String[] ROLES = {"api", "intake", "triage", "policy", "playbook", "tool", "feedback", "sla-monitor"};

    final Settings s = Settings.fromEnv();
    final Results results = new Results();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public static void main(String[] args) throws Exception {
        new Bench().run();
    }

    void run() throws Exception {
        Files.createDirectories(s.outDir.resolve("logs"));
        OUT.printf("exflow bench: saturation %d exceptions x %d runs (warm-up %d), offered loads %s/s for %d s, deployments %s%n",
                s.saturationCount, s.runs, s.warmup, s.loads, s.loadSeconds, s.deployments);
        if (!s.deployments.equals(List.of("none"))) {
            trainAotCache(Integer.parseInt(System.getenv().getOrDefault("BENCH_AOT_TRAINING", "1000")));
        }
        for (String deployment : s.deployments) {
            if (!deployment.equals("none")) { // BENCH_DEPLOYMENTS=none: only the tool phase
                runDeployment(deployment);
            }
        }
        int toolJobs = Integer.parseInt(System.getenv().getOrDefault("BENCH_TOOL_JOBS", "3000"));
        if (toolJobs > 0) {
            ApiAndToolPhases.tool(s, results, toolJobs);
        }
        if (!s.deployments.contains("none")) {
            new Limits(s, results).measureAll();
        }
        Report.print(s, results, OUT);
        Path md = s.outDir.resolve("report.md");
        Files.writeString(md, Report.markdown(s, results));
        if (!results.deployments.isEmpty()) {
            Chart.write(results, s.outDir.resolve("benchmarks.png"));
        }
        OUT.printf("%nreport: %s, chart: %s%n", md, s.outDir.resolve("benchmarks.png"));
    }

    // ---------------------------------------------------------------------------------------------
    // one deployment: start, footprint, warm-up, saturation runs, fixed loads, stop

    void runDeployment(String deployment) throws Exception {
        OUT.printf("%n==> deployment '%s'%n", deployment);
        List<AppProcess> procs = new ArrayList<>();
        boolean history = deployment.equals("history");
        if (history) {
            History.freshDatabase(s);
        }
        if (deployment.equals("all") || history) {
            procs.add(new AppProcess("all", "all", 8080, 9000, s));
        } else {
            for (int i = 0; i < ROLES.length; i++) {
                procs.add(new AppProcess(ROLES[i], ROLES[i], 8081 + i, 9001 + i, s));
            }
        }
        Results.Deployment d = results.deployment(deployment);
        try {
            long t0 = System.nanoTime();
            for (AppProcess p : procs) {
                p.start();
            }
            for (AppProcess p : procs) {
                p.awaitReady(http, Duration.ofSeconds(120));
                OUT.printf("    %-12s ready in %5.2f s (pid %d)%n", p.name, p.readySeconds, p.pid());
            }
            OUT.printf("    all ready %.2f s after the first start%n", (System.nanoTime() - t0) / 1e9);
            if (history) {
                long[] size = History.sizesFromEnv();
                History.seed(s, size[0], size[1], OUT);
            }
            Thread.sleep(3000); // let the consumers settle their assignments and the JIT cool down
            for (AppProcess p : procs) {
                p.idleRssMb = p.rssMb();
            }
            try (Load load = new Load(s, deployment); Db db = new Db(s)) {
                RssSampler sampler = new RssSampler(procs);
                sampler.start();
                OUT.printf("    warm-up: %d exceptions%n", s.warmup);
                saturate(load, db, s.warmup, "warm-up", null);
                // Only one process is profiled: in the split deployment the first would be the api.
                boolean profile = "1".equals(System.getenv("BENCH_PROFILE")) && deployment.equals("all");
                if (profile) {
                    Profile.start(procs.get(0).pid(), "saturation");
                }
                for (int run = 1; run <= s.runs; run++) {
                    Map<String, double[]> before = Metrics.scrape(http, procs);
                    long commitsBefore = db.commits();
                    long processedBefore = db.count("SELECT count(*) FROM processed_event");
                    List<Long> pids = procs.stream().map(AppProcess::pid).toList();
                    Map<String, Double> cpuBefore = CpuSampler.snapshot(pids);
                    Results.Run r = saturate(load, db, s.saturationCount, "saturation run " + run + "/" + s.runs, d);
                    r.cpu = CpuSampler.perException(cpuBefore, CpuSampler.snapshot(pids), s.saturationCount);
                    r.stageTimes = Metrics.delta(before, Metrics.scrape(http, procs));
                    r.dbEventsPerException = (db.count("SELECT count(*) FROM processed_event") - processedBefore) / (double) s.saturationCount;
                    r.dbCommitsPerException = (db.commits() - commitsBefore) / (double) s.saturationCount;
                    d.saturation.add(r);
                }
                results.eventBytes = load.bytes.get() / (double) Math.max(1, load.sent);
                if (profile) {
                    d.profiles.put("saturation", Profile.stop(procs.get(0).pid(), "saturation",
                            s.outDir.resolve(deployment + "-saturation.jfr")));
                }
                if (history) {
                    d.tableSizes = History.sizes(s);
                }
                for (int rate : history ? List.<Integer>of() : s.loads) {
                    boolean profiled = profile && rate == s.loads.get(0);
                    if (profiled) {
                        Profile.start(procs.get(0).pid(), "load");
                    }
                    Map<String, double[]> hopsBefore = Metrics.scrapeHops(http, procs);
                    Results.Run r = offered(load, db, rate, s.loadSeconds);
                    r.hopStages = Metrics.delta(hopsBefore, Metrics.scrapeHops(http, procs));
                    d.fixedLoads.put(rate, r);
                    if (profiled) {
                        d.profiles.put(rate + "/s", Profile.stop(procs.get(0).pid(), "load",
                                s.outDir.resolve(deployment + "-" + rate + ".jfr")));
                    }
                }
                if (deployment.equals("all") && !"0".equals(System.getenv().getOrDefault("BENCH_API", "1"))) {
                    ApiAndToolPhases.api(s, d, procs.get(0).httpPort, 200);
                }
                sampler.stop();
                for (AppProcess p : procs) {
                    d.footprint.add(new Results.Footprint(p.name, p.readySeconds, p.idleRssMb, p.peakRssMb));
                }
                d.deadLetters = db.count("SELECT count(*) FROM dead_letter");
            }
        } finally {
            for (AppProcess p : procs) {
                p.stop();
            }
        }
    }

    /** Produces {@code count} exceptions as fast as possible and waits until all are closed. */
    Results.Run saturate(Load load, Db db, int count, String label, Results.Deployment d) throws Exception {
        List<UUID> ids = new ArrayList<>(count);
        long started = System.nanoTime();
        for (int i = 0; i < count; i++) {
            ids.add(load.send());
        }
        load.flush();
        OUT.printf("    %s: produced %d in %.1f s%n", label, count, (System.nanoTime() - started) / 1e9);
        awaitClosed(db, ids, label, Duration.ofSeconds(Math.max(120, count / 20)));
        Results.Run r = db.measure(ids);
        OUT.printf("    %s: %.0f exceptions/s end to end, p50 %.0f ms, p99 %.0f ms%n", label, r.throughput, r.p50, r.p99);
        return r;
    }

    /** Offers {@code rate} exceptions/s for {@code seconds}, evenly paced, then waits for all to close. */
    Results.Run offered(Load load, Db db, int rate, int seconds) throws Exception {
        int count = rate * seconds;
        List<UUID> ids = new ArrayList<>(count);
        long start = System.nanoTime();
        long intervalNanos = 1_000_000_000L / rate;
        for (int i = 0; i < count; i++) {
            long due = start + i * intervalNanos;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            ids.add(load.send()); // no flush per record: a synchronous flush on a busy machine cannot keep the pace
        }
        load.flush();
        double producedRate = count / ((System.nanoTime() - start) / 1e9);
        String label = "offered " + rate + "/s";
        awaitClosed(db, ids, label, Duration.ofSeconds(Math.max(60, seconds * 6L)));
        Results.Run r = db.measure(ids);
        r.offered = rate;
        r.producedRate = producedRate;
        OUT.printf("    %s (generator kept %.0f/s): achieved %.0f/s, p50 %.0f ms, p95 %.0f ms, p99 %.0f ms, max %.0f ms%n", label, producedRate, r.throughput, r.p50,
                r.p95, r.p99, r.max);
        return r;
    }

    void awaitClosed(Db db, List<UUID> ids, String label, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long lastPrint = 0;
        long closed = 0;
        while (System.nanoTime() < deadline) {
            closed = db.closedCount(ids);
            if (closed >= ids.size()) {
                return;
            }
            if (System.nanoTime() - lastPrint > 2_000_000_000L) {
                OUT.printf("      %s: %d / %d closed%n", label, closed, ids.size());
                lastPrint = System.nanoTime();
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(label + ": only " + closed + " of " + ids.size() + " closed within " + timeout
                + " (see " + s.outDir.resolve("logs") + ")");
    }

    // ---------------------------------------------------------------------------------------------

    /** Settings from the environment (bin/bench sets them). */
    record Settings(String kafka, String dbName, String redisUrl, String redisPrefix, Path packsDir, Path appJar, Path outDir,
            List<String> deployments, int warmup, int saturationCount, int runs, List<Integer> loads, int loadSeconds,
            String javaOpts, String concurrency, long seed) {
        static Settings fromEnv() {
            Map<String, String> e = System.getenv();
            return new Settings(e.getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
                    e.getOrDefault("BENCH_DB", "exflow_bench"), e.getOrDefault("REDIS_URL", "redis://127.0.0.1:6379"),
                    e.getOrDefault("BENCH_REDIS_PREFIX", "bench:"), Path.of(e.getOrDefault("BENCH_PACKS", "bench/packs")),
                    Path.of(e.getOrDefault("BENCH_APP", "target/quarkus-app/quarkus-run.jar")), Path.of(e.getOrDefault("BENCH_OUT", "target/bench")),
                    List.of(e.getOrDefault("BENCH_DEPLOYMENTS", "all,split").split(",")),
                    Integer.parseInt(e.getOrDefault("BENCH_WARMUP", "4000")),
                    Integer.parseInt(e.getOrDefault("BENCH_SATURATION", "4000")),
                    Integer.parseInt(e.getOrDefault("BENCH_RUNS", "3")),
                    java.util.Arrays.stream(e.getOrDefault("BENCH_LOADS", "50,200,500").split(",")).map(String::trim)
                            .map(Integer::valueOf).toList(),
                    Integer.parseInt(e.getOrDefault("BENCH_LOAD_SECONDS", "15")),
                    e.getOrDefault("BENCH_JAVA_OPTS", ""), e.getOrDefault("CONCURRENCY", "4"),
                    Long.parseLong(e.getOrDefault("BENCH_SEED", "42")));
        }

        String jdbcUrl() {
            return "jdbc:postgresql://127.0.0.1:5432/" + dbName;
        }
    }

    /** One exflow process. */
    /**
     * The start-up cache the exflow processes use: the JDK's AOT cache ({@code app.aot}, JDK 25+: classes
     * loaded and linked, and method profiles, from a training run) when {@link #trainAotCache} made one,
     * else the AppCDS archive of the build ({@code app-cds.jsa}: classes pre-parsed).
     */
    static List<String> startupCacheOptions(Settings s) {
        Path aot = s.appJar().resolveSibling("app.aot");
        if (Files.exists(aot)) {
            return List.of("-XX:AOTCache=" + aot);
        }
        Path archive = s.appJar().resolveSibling("app-cds.jsa");
        return Files.exists(archive) ? List.of("-XX:SharedArchiveFile=" + archive) : List.of();
    }

    /**
     * A training run for the JDK's AOT cache (JEP 483/514/515, JDK 25+): the all-in-one process starts,
     * handles {@code exceptions} exceptions and stops; the JVM writes {@code app.aot} beside the jar as it
     * exits, and every process of the bench starts from it. The image's Java 21 runtime has no AOT cache,
     * so this measures what a JDK 25 runtime gives (docs/benchmarks.md).
     */
    void trainAotCache(int exceptions) throws Exception {
        Path aot = s.appJar().resolveSibling("app.aot");
        Files.deleteIfExists(aot);
        if (Runtime.version().feature() < 25 || exceptions <= 0) {
            return;
        }
        OUT.printf("%n==> AOT cache: a training run of %d exceptions (JDK %d)%n", exceptions, Runtime.version().feature());
        AppProcess training = new AppProcess("aot-training", "all", 8080, 9000, s);
        training.startupCache = List.of("-XX:AOTCacheOutput=" + aot);
        long t0 = System.nanoTime();
        try {
            training.start();
            training.awaitReady(http, Duration.ofSeconds(120));
            // Its own seed: the deployments' generators must not replay the training's exception ids.
            try (Load load = new Load(s, "aot-training"); Db db = new Db(s)) {
                saturate(load, db, exceptions, "AOT training", null);
            }
        } finally {
            training.stop(); // the cache is written while the JVM exits
        }
        OUT.printf(Files.exists(aot) ? "    %s: %d MB, %.0f s%n" : "    no AOT cache written (see logs/aot-training.log): %s%n",
                aot, Files.exists(aot) ? Files.size(aot) >> 20 : 0, (System.nanoTime() - t0) / 1e9);
    }

    static final class AppProcess {
        final String name;
        final String workerType;
        final int httpPort;
        final int managementPort;
        final Settings s;
        Process process;
        long startedNanos;
        double readySeconds;
        double idleRssMb;
        volatile double peakRssMb;

        AppProcess(String name, String workerType, int httpPort, int managementPort, Settings s) {
            this.name = name;
            this.workerType = workerType;
            this.httpPort = httpPort;
            this.managementPort = managementPort;
            this.s = s;
        }

        /** JVM options for a start-up cache other than the default one ({@link #startupCacheOptions}). */
        List<String> startupCache = List.of();

        void start() throws IOException {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            for (String opt : s.javaOpts().trim().split("\\s+")) {
                if (!opt.isBlank()) {
                    cmd.add(opt.replace("{name}", name));
                }
            }
            cmd.addAll(startupCache);
            if (startupCache.isEmpty()) {
                cmd.addAll(startupCacheOptions(s));
            }
            cmd.add("-jar");
            cmd.add(s.appJar().toString());
            ProcessBuilder pb = new ProcessBuilder(cmd);
            Map<String, String> env = pb.environment();
            env.put("WORKER_TYPE", workerType);
            env.put("GROUP_INSTANCE_ID", "bench-" + name); // unique per process, whatever HOSTNAME says
            env.put("KAFKA_BOOTSTRAP_SERVERS", s.kafka());
            env.put("DB_URL", s.jdbcUrl());
            env.put("REDIS_URL", s.redisUrl());
            env.put("REDIS_KEY_PREFIX", s.redisPrefix());
            env.put("PACKS_DIR", s.packsDir().toString());
            env.put("HTTP_PORT", Integer.toString(httpPort));
            env.put("MANAGEMENT_PORT", Integer.toString(managementPort));
            env.put("JWT_PUBLIC_KEY_LOCATION", "dev-jwt/publicKey.pem");
            env.put("EXFLOW_ALLOW_INSECURE_DEV_KEY", "true"); // a throw-away local run: the dev key is meant
            env.put("LOG_JSON", "false");
            env.putIfAbsent("QUARKUS_LOG_LEVEL", "WARN");
            env.put("CONCURRENCY", s.concurrency());
            if (!workerType.equals("all")) {
                // 8 processes x the default 16 would exceed PostgreSQL's max_connections (100) here;
                // CONCURRENCY + 4 is the documented starting point.
                env.putIfAbsent("DB_POOL_MAX", Integer.toString(Integer.parseInt(s.concurrency()) + 4));
            }
            pb.redirectErrorStream(true);
            pb.redirectOutput(s.outDir().resolve("logs").resolve(name + ".log").toFile());
            startedNanos = System.nanoTime();
            process = pb.start();
        }

        long pid() {
            return process.pid();
        }

        void awaitReady(HttpClient http, Duration timeout) throws Exception {
            long deadline = startedNanos + timeout.toNanos();
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(2)).build();
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(name + " exited with " + process.exitValue() + ", see its log in "
                            + s.outDir().resolve("logs"));
                }
                try {
                    if (http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        readySeconds = (System.nanoTime() - startedNanos) / 1e9;
                        return;
                    }
                } catch (IOException e) {
                    // not listening yet
                }
                Thread.sleep(25);
            }
            throw new IllegalStateException(name + " not ready within " + timeout);
        }

        double rssMb() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
                    if (line.startsWith("VmRSS:")) {
                        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                    }
                }
            } catch (IOException e) {
                // gone
            }
            return 0;
        }

        void stop() throws InterruptedException {
            if (process != null && process.isAlive()) {
                process.destroy(); // SIGTERM: graceful shutdown
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        }
    }

    /** Samples every process's RSS twice a second and keeps the peak (under load). */
    static final class RssSampler {
        final List<AppProcess> procs;
        volatile boolean running = true;
        Thread thread;

        RssSampler(List<AppProcess> procs) {
            this.procs = procs;
        }

        void start() {
            thread = new Thread(() -> {
                while (running) {
                    for (AppProcess p : procs) {
                        p.peakRssMb = Math.max(p.peakRssMb, p.rssMb());
                    }
                    try {
                        Thread.sleep(500);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "rss-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join();
        }
    }

    /** The load generator: seeded raw exceptions as binary CloudEvents on the ingested topic. */
    static final class Load implements AutoCloseable {
        static final String[][] TYPES = {{"bench-bank", "payment_rejected", "ledger_drift", "refund_stuck"},
                {"bench-health", "claim_mismatch", "eligibility_gap", "coding_error"}};
        final KafkaProducer<String, byte[]> producer;
        final Random random;
        final AtomicLong bytes = new AtomicLong();
        long sent;

        /** Seeded per deployment: the same data every run, but no exception id shared between deployments. */
        Load(Settings s, String deployment) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, s.kafka());
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            p.put(ProducerConfig.LINGER_MS_CONFIG, 2);
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
            producer = new KafkaProducer<>(p);
            random = new Random(s.seed() * 31 + deployment.hashCode());
        }

        /** A raw submission like the demo's: required fields, some personal data for intake to redact. */
        static byte[] payload(Random random, String type, long n) {
            long amount = random.nextInt(10) == 0 ? 50_000 + random.nextInt(100_000) : 100 + random.nextInt(20_000);
            String json = String.format(Locale.ROOT, "{\"type\":\"%s\",\"source\":\"bench-core\",\"entity\":\"ENT-%d\","
                    + "\"timestamp\":\"%s\",\"amount\":%d,\"currency\":\"%s\",\"reference\":\"REF-%d\","
                    + "\"accountHolder\":\"Jane Doe\",\"customer\":{\"name\":\"Jane Doe\",\"email\":\"jane.doe@example.com\","
                    + "\"phone\":\"+1 415 555 %04d\"},\"note\":\"card 4111 1111 1111 1111 on file, call back\"}",
                    type, n, Instant.now().minusSeconds(60).toString(), amount, random.nextBoolean() ? "USD" : "EUR", n,
                    1000 + random.nextInt(9000));
            return json.getBytes(StandardCharsets.UTF_8);
        }

        UUID send() {
            String[] tenant = TYPES[(int) (sent % 2)];
            String type = tenant[1 + random.nextInt(3)];
            UUID exceptionId = new UUID(random.nextLong(), random.nextLong());
            UUID eventId = new UUID(random.nextLong(), random.nextLong());
            byte[] value = payload(random, type, sent++);
            ProducerRecord<String, byte[]> r = new ProducerRecord<>("exflow.exceptions.ingested", tenant[0] + ":" + exceptionId, value);
            header(r, "ce_specversion", "1.0");
            header(r, "ce_id", eventId.toString());
            header(r, "ce_type", "exflow.exception.ingested");
            header(r, "ce_source", "/exflow/bench");
            header(r, "ce_time", Instant.now().toString());
            header(r, "ce_tenantid", tenant[0]);
            header(r, "ce_exceptionid", exceptionId.toString());
            header(r, "ce_correlationid", exceptionId.toString());
            header(r, "ce_schemaversion", "1");
            header(r, "content-type", "application/json");
            bytes.addAndGet(value.length);
            producer.send(r);
            return exceptionId;
        }

        private static void header(ProducerRecord<String, byte[]> r, String k, String v) {
            r.headers().add(new RecordHeader(k, v.getBytes(StandardCharsets.UTF_8)));
        }

        void flush() {
            producer.flush();
        }

        @Override
        public void close() {
            producer.close(Duration.ofSeconds(5));
        }
    }

    /** Read-only queries of the bench database. */
    static final class Db implements AutoCloseable {
        final Connection c;

        Db(Settings s) throws SQLException {
            c = DriverManager.getConnection(s.jdbcUrl(), "postgres", "");
        }

        long count(String sql) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }

        /** Transactions committed in the bench database so far (statistics are flushed within a second). */
        long commits() throws Exception {
            Thread.sleep(1500);
            return count("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()");
        }

        long closedCount(List<UUID> ids) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT count(*) FROM exception_record WHERE id = ANY (?) AND closed_at IS NOT NULL")) {
                ps.setArray(1, c.createArrayOf("uuid", ids.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        }

        /** Latency (closed_at − ingested_at) percentiles and throughput (count / first ingest → last close). */
        Results.Run measure(List<UUID> ids) throws SQLException {
            List<Double> lat = new ArrayList<>(ids.size());
            Instant first = null;
            Instant last = null;
            Map<String, Integer> outcomes = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT ingested_at, closed_at, state FROM exception_record WHERE id = ANY (?) AND closed_at IS NOT NULL")) {
                ps.setArray(1, c.createArrayOf("uuid", ids.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Instant in = rs.getTimestamp(1).toInstant();
                        Instant out = rs.getTimestamp(2).toInstant();
                        lat.add(Duration.between(in, out).toNanos() / 1e6);
                        first = first == null || in.isBefore(first) ? in : first;
                        last = last == null || out.isAfter(last) ? out : last;
                        outcomes.merge(rs.getString(3), 1, Integer::sum);
                    }
                }
            }
            Results.Run r = new Results.Run();
            lat.sort(null);
            r.count = lat.size();
            r.p50 = pct(lat, 0.50);
            r.p95 = pct(lat, 0.95);
            r.p99 = pct(lat, 0.99);
            r.max = lat.isEmpty() ? 0 : lat.get(lat.size() - 1);
            r.throughput = first == null ? 0 : lat.size() / Math.max(0.001, Duration.between(first, last).toNanos() / 1e9);
            r.outcomes = outcomes;
            r.stageArrival = stageArrival(ids);
            return r;
        }

        /** Median time from ingestion to each stage's timeline entry (written in that stage's transaction). */
        Map<String, Double> stageArrival(List<UUID> ids) throws SQLException {
            Map<String, Double> m = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT t.event_type, "
                    + "percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t.at - e.ingested_at) * 1000) AS p50, "
                    + "min(t.id) FROM exception_timeline t JOIN exception_record e ON e.id = t.exception_id "
                    + "WHERE e.id = ANY (?) GROUP BY t.event_type ORDER BY p50")) {
                ps.setArray(1, c.createArrayOf("uuid", ids.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        m.put(rs.getString(1), rs.getDouble(2));
                    }
                }
            }
            return m;
        }

        static double pct(List<Double> sorted, double p) {
            if (sorted.isEmpty()) {
                return 0;
            }
            int i = (int) Math.ceil(p * sorted.size()) - 1;
            return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
        }

        @Override
        public void close() throws SQLException {
            c.close();
        }
    }

    /** exflow_event_processing_seconds per consumer, from every process's /q/metrics. */
    static final class Metrics {
        /** The hop stages' timers (ExflowMetrics.HopStage) as "stage consumer" -> {count, seconds}. */
        static Map<String, double[]> scrapeHops(HttpClient http, List<AppProcess> procs) throws Exception {
            Map<String, double[]> m = new java.util.TreeMap<>();
            for (AppProcess p : procs) {
                for (String line : metricsOf(http, p).split("\n")) {
                    if (!line.startsWith("exflow_delivery_wait_seconds_") && !line.startsWith("exflow_delivery_lane_seconds_")
                            && !line.startsWith("exflow_outbox_handoff_seconds_") && !line.startsWith("exflow_outbox_publish_seconds_")) {
                        continue;
                    }
                    boolean count = line.contains("_seconds_count");
                    if (!count && !line.contains("_seconds_sum")) {
                        continue;
                    }
                    String stage = line.substring(0, line.indexOf("_seconds_"));
                    int brace = line.indexOf('{');
                    String worker = brace < 0 ? "relay" : label(line.substring(brace + 1, line.indexOf('}')), "worker");
                    double v = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                    m.computeIfAbsent(stage + " " + worker, k -> new double[2])[count ? 0 : 1] += v;
                }
            }
            return m;
        }

        private static String metricsOf(HttpClient http, AppProcess p) throws Exception {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.managementPort + "/q/metrics"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
        }

        static Map<String, double[]> scrape(HttpClient http, List<AppProcess> procs) throws Exception {
            Map<String, double[]> m = new LinkedHashMap<>();
            for (AppProcess p : procs) {
                String body = metricsOf(http, p);
                for (String line : body.split("\n")) {
                    boolean count = line.startsWith("exflow_event_processing_seconds_count{");
                    boolean sum = line.startsWith("exflow_event_processing_seconds_sum{");
                    if (!count && !sum) {
                        continue;
                    }
                    String labels = line.substring(line.indexOf('{') + 1, line.indexOf('}'));
                    String worker = label(labels, "worker");
                    String type = label(labels, "type");
                    double v = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                    double[] cs = m.computeIfAbsent(worker + " <- " + type, k -> new double[2]);
                    cs[count ? 0 : 1] += v;
                }
            }
            return m;
        }

        static String label(String labels, String name) {
            int i = labels.indexOf(name + "=\"");
            if (i < 0) {
                return "?";
            }
            int from = i + name.length() + 2;
            return labels.substring(from, labels.indexOf('"', from));
        }

        /** count and mean milliseconds per stage over the interval. */
        static Map<String, double[]> delta(Map<String, double[]> before, Map<String, double[]> after) {
            Map<String, double[]> d = new LinkedHashMap<>();
            after.forEach((k, v) -> {
                double[] b = before.getOrDefault(k, new double[2]);
                double n = v[0] - b[0];
                if (n > 0) {
                    d.put(k, new double[] {n, (v[1] - b[1]) * 1000 / n});
                }
            });
            return d;
        }
    }
}

package io.exflow.chaos;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import io.exflow.api.DevTokens;

/**
 * The chaos run: the packaged app as separate worker processes (every role, some twice) on the
 * run's own Kafka broker, PostgreSQL cluster and Redis server; exceptions for several tenants
 * through the api while workers are SIGKILLed and SIGTERMed at random, the broker, database
 * and Redis restart, and poison events, poison tool jobs and garbage HTTP requests arrive.
 * Afterwards everything is checked from the database, the topics and the queues.
 *
 * <p>{@code bin/chaos} runs it by hand (long profile); {@code ChaosIT} runs a short profile in
 * {@code ./mvnw verify}. Loopback only; every loop is bounded in count and time.
 */
public final class ChaosRun {

    /** What to run. */
    public record Config(int exceptions, int faults, long seed, Duration ingestFor, Duration settleTimeout, int basePort,
            Path home) {
        static Config fromSystemProperties(Path root) {
            int n = Integer.getInteger("chaos.exceptions", 300);
            return new Config(n, Integer.getInteger("chaos.faults", 14), Long.getLong("chaos.seed", 7L),
                    Duration.ofSeconds(Long.getLong("chaos.ingest-seconds", Math.max(50, n / 40))),
                    Duration.ofSeconds(Long.getLong("chaos.settle-seconds", 150)),
                    Integer.getInteger("chaos.base-port", 24200), root.resolve("target/chaos"));
        }
    }

    static final List<String> TENANTS = List.of("chaos-north", "chaos-south", "chaos-east");
    static final String[] ROLES_LONG = { "api", "api", "intake", "triage", "policy", "playbook", "playbook", "tool", "tool",
        "feedback", "sla-monitor" };
    /** The short profile: one process per type, two tool workers (9 JVMs on a 2-core machine). */
    static final String[] ROLES_SHORT = { "api", "intake", "triage", "policy", "playbook", "tool", "tool", "feedback",
        "sla-monitor" };
    private final String[] roles;
    static final String PII_EMAIL_DOMAIN = "pii-canary.example";
    static final String PII_CARD = "4111111111111111";
    static final String PII_PHONE = "+1 415 555 0199";
    static final String PII_NAME = "Zebulon Quartermaine";

    private final Config config;
    private final Path root;
    private final Random random;
    private final List<String> out = new CopyOnWriteArrayList<>();
    private final List<String> eventsLog = new CopyOnWriteArrayList<>();
    private final long t0 = System.nanoTime();

    // inputs
    private final Map<String, UUID> accepted = new ConcurrentHashMap<>();
    private final Map<String, String> typeOfKey = new ConcurrentHashMap<>();
    private final Set<String> replayedKeyMismatch = ConcurrentHashMap.newKeySet();
    private final AtomicInteger ingestAttempts = new AtomicInteger();
    private final AtomicInteger ingestFailures = new AtomicInteger();
    private final AtomicInteger ingestGaveUp = new AtomicInteger();
    private final List<Poison> poisons = new CopyOnWriteArrayList<>();
    private final Map<Integer, AtomicInteger> garbageStatuses = new ConcurrentHashMap<>();
    private final AtomicInteger garbageServerErrorsOutsideOutage = new AtomicInteger();
    private final AtomicInteger garbageSent = new AtomicInteger();

    // faults
    private final List<Fault> faults = new CopyOnWriteArrayList<>();
    private volatile String outage; // dependency currently down, or null

    record Poison(String kind, String consumer, String reason, UUID eventId, byte[] payload) {
    }

    static final class Fault {
        final String kind;
        final String target;
        final double atSeconds;
        volatile boolean sawDown;
        volatile double downSeconds;
        volatile double recoverySeconds = -1;

        Fault(String kind, String target, double atSeconds) {
            this.kind = kind;
            this.target = target;
            this.atSeconds = atSeconds;
        }
    }

    /** The verdict: the printed table and whether every check passed. */
    public record Result(boolean passed, List<String> failures, String table, Path logs) {
    }

    public ChaosRun(Config config, Path root) {
        this.config = config;
        this.root = root;
        this.random = new Random(config.seed());
        this.roles = config.exceptions() >= 1000 || Boolean.getBoolean("chaos.full-fleet") ? ROLES_LONG : ROLES_SHORT;
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(System.getProperty("chaos.root", ".")).toAbsolutePath().normalize();
        Result r = new ChaosRun(Config.fromSystemProperties(root), root).run();
        System.out.println(r.table());
        System.exit(r.passed() ? 0 : 1);
    }

    private double now() {
        return (System.nanoTime() - t0) / 1e9;
    }

    private void note(String s) {
        String line = String.format("[chaos %7.1fs] %s", now(), s);
        eventsLog.add(line);
        System.out.println(line);
    }

    public Result run() throws Exception {
        if (!Files.exists(root.resolve("target/quarkus-app/quarkus-run.jar"))) {
            throw new IllegalStateException("target/quarkus-app/quarkus-run.jar missing: run ./mvnw package first");
        }
        deleteTree(config.home());
        Files.createDirectories(config.home());
        Infra infra = new Infra(root, config.home(), Integer.getInteger("chaos.pg-port", 24432),
                Integer.getInteger("chaos.redis-port", 24379), Integer.getInteger("chaos.kafka-port", 24092));
        Fleet fleet = null;
        Thread cleanup = new Thread(() -> { }, "chaos-cleanup");
        try {
            note("starting PostgreSQL (" + infra.pgPort + "), Redis (" + infra.redisPort + "), Kafka (" + infra.kafkaPort + ")");
            infra.startAll();
            fleet = new Fleet(root, config.home().resolve("logs"), env(infra));
            Fleet f = fleet;
            Infra in = infra;
            cleanup = new Thread(() -> {
                f.close();
                in.close();
            }, "chaos-cleanup");
            Runtime.getRuntime().addShutdownHook(cleanup);
            for (String role : roles) {
                fleet.add(role, config.basePort());
            }
            // The first api migrates the schema, loads the packs and creates the topics; then the rest.
            Fleet.Slot first = fleet.slots.get(0);
            first.start();
            if (!fleet.awaitReady(List.of(first), 180)) {
                throw new IllegalStateException("the first api did not become ready");
            }
            for (Fleet.Slot s : fleet.slots.subList(1, fleet.slots.size())) {
                s.start();
            }
            if (!fleet.awaitReady(fleet.slots, 240)) {
                throw new IllegalStateException("the fleet did not become ready");
            }
            note("fleet ready: " + fleet.slots.size() + " processes");
            return drive(infra, fleet);
        } finally {
            note("stopping the fleet and the run's own Kafka, PostgreSQL and Redis");
            if (fleet != null) {
                fleet.close();
            }
            infra.close();
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException | IllegalArgumentException e) {
                // already shutting down, or never added
            }
        }
    }

    private Map<String, String> env(Infra infra) {
        Map<String, String> e = new LinkedHashMap<>();
        e.put("KAFKA_BOOTSTRAP_SERVERS", infra.bootstrap());
        e.put("DB_URL", infra.jdbcUrl());
        e.put("DB_USER", "postgres");
        e.put("DB_POOL_MAX", "8");
        e.put("REDIS_URL", infra.redisUrl());
        e.put("JWT_PUBLIC_KEY_LOCATION", "dev-jwt/publicKey.pem");
        e.put("EXFLOW_ALLOW_INSECURE_DEV_KEY", "true"); // a throw-away local run: the dev key is meant
        e.put("PACKS_DIR", root.resolve("src/test/resources/packs-chaos").toString());
        e.put("LOG_JSON", "true");
        e.put("TOPIC_PARTITIONS", "6");
        e.put("SLA_SCAN_INTERVAL", "PT1S");
        e.put("TOOL_VISIBILITY_TIMEOUT", "PT6S");
        e.put("SHUTDOWN_TIMEOUT", "PT15S");
        e.put("RETRY_MAX_ATTEMPTS", "12");
        e.put("RETRY_INITIAL_BACKOFF", "PT0.5S");
        e.put("RETRY_MAX_BACKOFF", "PT5S");
        e.put("OUTBOX_SWEEP_MIN_AGE", "PT1S");
        e.put("QUARKUS_HTTP_LIMITS_MAX_BODY_SIZE", "1M");
        return e;
    }

    // ---------------------------------------------------------------------------------------

    private Result drive(Infra infra, Fleet fleet) throws Exception {
        long ingestStart = System.nanoTime();
        long ingestEnd = ingestStart + config.ingestFor().toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        AtomicInteger next = new AtomicInteger();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        Map<String, String> tokens = new HashMap<>();
        for (String t : TENANTS) {
            tokens.put(t, DevTokens.token("chaos-" + t, List.of(t), List.of("ingest")));
        }
        List<Fleet.Slot> apis = fleet.ofRole("api");
        double perSecond = config.exceptions() / (double) Math.max(1, config.ingestFor().toSeconds());
        long ingestDeadline = System.nanoTime() + config.ingestFor().toNanos() + config.settleTimeout().toNanos();
        List<java.util.concurrent.Future<?>> work = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            work.add(pool.submit(() -> {
                int i;
                while ((i = next.getAndIncrement()) < config.exceptions()) {
                    long due = ingestStart + (long) (i / perSecond * 1e9);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Infra.sleep(wait / 1_000_000);
                    }
                    ingestOne(i, http, tokens, apis, ingestDeadline);
                }
                return null;
            }));
        }
        work.add(pool.submit(() -> {
            injectPoison(infra, ingestEnd);
            return null;
        }));
        work.add(pool.submit(() -> {
            garbageHttp(http, apis, ingestEnd);
            return null;
        }));
        Thread monitor = new Thread(() -> monitor(fleet), "chaos-monitor");
        monitor.setDaemon(true);
        monitor.start();
        runFaults(infra, fleet, ingestEnd);
        for (var f : work) {
            f.get(config.ingestFor().toSeconds() + config.settleTimeout().toSeconds() + 120, TimeUnit.SECONDS);
        }
        pool.shutdown();
        // Every slot up again (a scale-down is followed by a scale-up).
        for (Fleet.Slot s : fleet.slots) {
            if (!s.alive()) {
                s.wantedUp = true;
                s.start();
            }
        }
        fleet.awaitReady(fleet.slots, 180);
        note("ingestion done: " + accepted.size() + " accepted; waiting for the pipeline to settle");
        Map<String, Object> settled = settle(infra);
        monitorStop = true;
        monitor.join(5000);
        return verify(infra, fleet, settled);
    }

    private void ingestOne(int i, HttpClient http, Map<String, String> tokens, List<Fleet.Slot> apis, long deadline) {
        String tenant = TENANTS.get(i % TENANTS.size());
        int pick = Math.floorMod(Long.hashCode(config.seed() * 31 + i), 20);
        String type = pick < 16 ? "REFUND_STUCK" : pick < 18 ? "FORBIDDEN_TRANSFER" : "SLOW_REVIEW";
        String key = "chaos-" + config.seed() + "-" + i;
        typeOfKey.put(key, tenant + "|" + type);
        String body = "{\"type\":\"" + type + "\",\"source\":\"chaos-gen\",\"entity\":\"E-" + i
                + "\",\"amount\":" + (10 + i % 900) + ",\"currency\":\"EUR\",\"timestamp\":\"" + Instant.now().minusSeconds(60)
                + "\",\"customerName\":\"" + PII_NAME + "\",\"contact\":\"person" + i + "@" + PII_EMAIL_DOMAIN
                + "\",\"note\":\"card " + PII_CARD + " phone " + PII_PHONE + "\"}";
        int attempt = 0;
        while (System.nanoTime() < deadline) {
            Fleet.Slot api = apis.get((i + attempt) % apis.size());
            attempt++;
            ingestAttempts.incrementAndGet();
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + api.httpPort + "/api/v1/tenants/" + tenant + "/exceptions"))
                        .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + tokens.get(tenant))
                        .header("Content-Type", "application/json").header("Idempotency-Key", key)
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 202) {
                    String id = r.body().replaceAll(".*\"exceptionId\"\\s*:\\s*\"([0-9a-f-]{36})\".*", "$1");
                    UUID exceptionId = UUID.fromString(id);
                    UUID before = accepted.putIfAbsent(key, exceptionId);
                    if (before != null && !before.equals(exceptionId)) {
                        replayedKeyMismatch.add(key);
                    }
                    return;
                }
                ingestFailures.incrementAndGet();
                if (r.statusCode() < 500 && r.statusCode() != 429) {
                    note("ingest " + key + ": unexpected " + r.statusCode() + " " + r.body());
                    ingestGaveUp.incrementAndGet();
                    return;
                }
            } catch (IOException e) {
                ingestFailures.incrementAndGet();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            Infra.sleep(Math.min(2000, 100L * attempt));
        }
        ingestGaveUp.incrementAndGet();
    }

    // ---- poison -----------------------------------------------------------------------------

    private void injectPoison(Infra infra, long end) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        int rounds = Math.max(2, Math.min(20, config.exceptions() / 150));
        long span = end - System.nanoTime();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
            for (int round = 0; round < rounds; round++) {
                Infra.sleep(Math.max(0, span / rounds / 1_000_000));
                poisonRound(producer, infra, round);
                producer.flush();
            }
        }
        note("poison injected: " + poisons.size());
    }

    private void poisonRound(KafkaProducer<String, byte[]> producer, Infra infra, int round) {
        String tenant = TENANTS.get(round % TENANTS.size());
        String good = "{\"type\":\"REFUND_STUCK\",\"source\":\"poison\",\"entity\":\"P-" + round
                + "\",\"amount\":5,\"currency\":\"EUR\",\"timestamp\":\"2026-01-01T00:00:00Z\"}";
        String ingested = "exflow.exceptions.ingested";
        String in = "exflow-intake";
        send(producer, "malformed", ingested, in, "MALFORMED_EVENT", headers(tenant, "exflow.exception.ingested"),
                "{not json " + round);
        Map<String, String> noSource = headers(tenant, "exflow.exception.ingested");
        noSource.remove("ce_source");
        send(producer, "missing-attribute", ingested, in, "MISSING_ATTRIBUTE", noSource, good);
        send(producer, "unsupported-type", ingested, in, "UNSUPPORTED_EVENT_TYPE", headers(tenant, "exflow.exception.exploded"),
                good);
        Map<String, String> v9 = headers(tenant, "exflow.exception.ingested");
        v9.put("ce_schemaversion", "9");
        send(producer, "newer-schema", ingested, in, "SCHEMA_VERSION_UNSUPPORTED", v9, good);
        send(producer, "no-tenant", ingested, in, "TENANT_REJECTED", headers(null, "exflow.exception.ingested"), good);
        send(producer, "unknown-tenant", ingested, in, "TENANT_REJECTED", headers("no-such-tenant", "exflow.exception.ingested"),
                good);
        send(producer, "suspended-tenant", ingested, in, "TENANT_REJECTED", headers("dormant-co", "exflow.exception.ingested"),
                good);
        send(producer, "too-large", ingested, in, "PAYLOAD_TOO_LARGE", headers(tenant, "exflow.exception.ingested"),
                good.replace("}", ",\"blob\":\"" + "x".repeat(300_000) + "\"}"));
        send(producer, "invalid-payload", ingested, in, "VALIDATION_FAILED", headers(tenant, "exflow.exception.ingested"),
                "{\"type\":\"NOT_A_TYPE\",\"source\":\"x\"}");
        // Other consumers get theirs too.
        send(producer, "malformed", "exflow.exceptions.normalized", "exflow-triage", "MALFORMED_EVENT",
                headers(tenant, "exflow.exception.normalized"), "[1,2");
        send(producer, "unsupported-type", "exflow.exceptions.decided", "exflow-playbook", "UNSUPPORTED_EVENT_TYPE",
                headers(tenant, "exflow.exception.triaged"), "{}");
        send(producer, "unknown-tenant", "exflow.exceptions.closed", "exflow-feedback", "TENANT_REJECTED",
                headers("no-such-tenant", "exflow.exception.closed"), "{}");
        Map<String, String> v5 = headers(tenant, "exflow.exception.triaged");
        v5.put("ce_schemaversion", "5");
        send(producer, "newer-schema", "exflow.exceptions.triaged", "exflow-policy", "SCHEMA_VERSION_UNSUPPORTED", v5, "{}");
        // Poison tool jobs straight onto a Redis tool queue.
        String queue = "exflow:jobs:tool:" + List.of("high", "default", "low").get(round % 3);
        String notJson = "garbage job " + UUID.randomUUID();
        lpush(infra, "tool-job-not-json", queue, "MALFORMED_EVENT", null, notJson);
        UUID jobEvent = UUID.randomUUID();
        String unknownTool = "{\"specversion\":\"1.0\",\"id\":\"" + jobEvent + "\",\"type\":\"exflow.tool.job\",\"source\":\"/chaos\","
                + "\"time\":\"" + Instant.now() + "\",\"tenantid\":\"no-such-tenant\",\"exceptionid\":\"" + UUID.randomUUID()
                + "\",\"datacontenttype\":\"application/json\",\"data\":{\"jobId\":\"" + UUID.randomUUID()
                + "\",\"tool\":\"chaos.fix\",\"attempt\":1}}";
        lpush(infra, "tool-job-unknown-tenant", queue, "TENANT_REJECTED", jobEvent, unknownTool);
    }

    private void lpush(Infra infra, String kind, String queue, String reason, UUID eventId, String value) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                infra.redis("LPUSH", queue, value);
                poisons.add(new Poison(kind, "exflow-tool", reason, eventId, value.getBytes(StandardCharsets.UTF_8)));
                return;
            } catch (IllegalStateException e) {
                if (System.nanoTime() > end) {
                    note("could not push a poison job: " + e.getMessage());
                    return;
                }
                Infra.sleep(500);
            }
        }
    }

    private Map<String, String> headers(String tenant, String type) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("ce_specversion", "1.0");
        h.put("ce_id", UUID.randomUUID().toString());
        h.put("ce_type", type);
        h.put("ce_source", "/chaos/poison");
        h.put("ce_time", Instant.now().toString());
        if (tenant != null) {
            h.put("ce_tenantid", tenant);
        }
        h.put("ce_exceptionid", UUID.randomUUID().toString());
        h.put("content-type", "application/json");
        return h;
    }

    private void send(KafkaProducer<String, byte[]> producer, String kind, String topic, String consumer, String reason,
            Map<String, String> headers, String value) {
        UUID eventId = UUID.fromString(headers.get("ce_id"));
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        ProducerRecord<String, byte[]> r = new ProducerRecord<>(topic, headers.getOrDefault("ce_tenantid", "x") + ":"
                + headers.get("ce_exceptionid"), bytes);
        headers.forEach((k, v) -> r.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
        producer.send(r);
        poisons.add(new Poison(kind, consumer, reason, eventId, bytes));
    }

    // ---- garbage HTTP -------------------------------------------------------------------------

    private void garbageHttp(HttpClient http, List<Fleet.Slot> apis, long end) {
        String goodToken = DevTokens.token("garbage", List.of("chaos-north"), List.of("ingest"));
        String base = "/api/v1/tenants/chaos-north/exceptions";
        int rounds = Math.max(3, Math.min(40, config.exceptions() / 50));
        long span = end - System.nanoTime();
        for (int round = 0; round < rounds; round++) {
            Infra.sleep(Math.max(0, span / rounds / 1_000_000));
            Fleet.Slot api = apis.get(round % apis.size());
            String deep = "{\"type\":\"REFUND_STUCK\",\"x\":" + "[".repeat(200) + "]".repeat(200) + "}";
            List<HttpRequest.Builder> reqs = List.of(
                    req(api, base).POST(HttpRequest.BodyPublishers.ofString("{\"type\":")),
                    req(api, base).header("Authorization", "Bearer " + goodToken).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"type\":")),
                    req(api, base).header("Authorization", "Bearer " + goodToken).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(deep)),
                    req(api, base).header("Authorization", "Bearer " + goodToken).header("Content-Type", "text/plain")
                            .POST(HttpRequest.BodyPublishers.ofString("hello")),
                    req(api, base).header("Authorization", "Bearer " + goodToken).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"" + "A".repeat(100_000) + "\"}")),
                    req(api, base).header("Authorization", "Bearer not.a.token")
                            .POST(HttpRequest.BodyPublishers.ofString("{}")),
                    req(api, "/api/v1/tenants/chaos-south/exceptions/" + UUID.randomUUID()).header("Authorization",
                            "Bearer " + goodToken).GET(),
                    req(api, "/api/v1/tenants/%2e%2e/%2e%2e/etc/passwd").GET(),
                    req(api, "/q/metrics").GET(),
                    req(api, base).method("DELETE", HttpRequest.BodyPublishers.noBody()));
            for (HttpRequest.Builder b : reqs) {
                try {
                    int status = http.send(b.timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding())
                            .statusCode();
                    garbageSent.incrementAndGet();
                    garbageStatuses.computeIfAbsent(status, k -> new AtomicInteger()).incrementAndGet();
                    if (status >= 500 && outage == null) {
                        garbageServerErrorsOutsideOutage.incrementAndGet();
                        note("garbage request answered " + status + " outside an outage");
                    }
                } catch (IOException e) {
                    // the api was being killed; not an answer
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            // Not HTTP at all.
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", api.httpPort), 500);
                s.setSoTimeout(2000);
                OutputStream o = s.getOutputStream();
                o.write(("\u0016\u0003\u0001GARBAGE\r\n\r\n" + "z".repeat(5000)).getBytes(StandardCharsets.ISO_8859_1));
                o.flush();
                s.getInputStream().read(new byte[256]);
            } catch (IOException e) {
                // closed on us: fine
            }
        }
    }

    private static HttpRequest.Builder req(Fleet.Slot api, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.httpPort + path));
    }

    // ---- faults -------------------------------------------------------------------------------

    private void runFaults(Infra infra, Fleet fleet, long ingestEnd) {
        List<String[]> plan = new ArrayList<>();
        for (String role : new LinkedHashSet<>(List.of(roles))) {
            plan.add(new String[] { "SIGKILL", role });
        }
        plan.add(new String[] { "RESTART", "kafka" });
        plan.add(new String[] { "RESTART", "postgresql" });
        plan.add(new String[] { "RESTART", "redis" });
        plan.add(new String[] { "SIGTERM", "playbook" });
        plan.add(new String[] { "SIGTERM", "tool" });
        String[] kinds = { "SIGKILL", "SIGKILL", "SIGKILL", "SIGTERM", "RESTART" };
        String[] deps = { "kafka", "postgresql", "redis" };
        while (plan.size() < config.faults()) {
            String kind = kinds[random.nextInt(kinds.length)];
            plan.add(new String[] { kind, kind.equals("RESTART") ? deps[random.nextInt(3)] : roles[random.nextInt(roles.length)] });
        }
        Collections.shuffle(plan, random);
        // Keep the first dependency restart away from the very start, so traffic is flowing.
        double span = (ingestEnd - System.nanoTime()) / 1e9;
        double gap = span / (plan.size() + 1);
        for (int k = 0; k < plan.size(); k++) {
            double at = now() + gap * (0.5 + random.nextDouble());
            while (now() < at) {
                Infra.sleep(100);
            }
            String[] f = plan.get(k);
            Fault fault = new Fault(f[0], f[1], now());
            faults.add(fault);
            try {
                switch (f[0]) {
                    case "SIGKILL" -> killWorker(fleet, f[1], fault);
                    case "SIGTERM" -> stopWorker(fleet, f[1], fault);
                    default -> restartDependency(infra, fleet, f[1], fault);
                }
            } catch (IOException | RuntimeException e) {
                note("fault " + f[0] + " " + f[1] + " failed: " + e);
            }
        }
    }

    private Fleet.Slot pick(Fleet fleet, String role) {
        List<Fleet.Slot> candidates = fleet.ofRole(role).stream().filter(Fleet.Slot::alive).toList();
        return candidates.isEmpty() ? null : candidates.get(random.nextInt(candidates.size()));
    }

    private void killWorker(Fleet fleet, String role, Fault fault) throws IOException {
        Fleet.Slot s = pick(fleet, role);
        if (s == null) {
            note("SIGKILL " + role + ": none alive");
            return;
        }
        note("SIGKILL " + s.name() + " (pid " + s.process.pid() + ")");
        s.kill();
        Infra.sleep(500 + random.nextInt(2500));
        long start = System.nanoTime();
        s.start();
        fleet.awaitReady(List.of(s), 120);
        fault.recoverySeconds = (System.nanoTime() - start) / 1e9;
        note("restarted " + s.name() + ", ready after " + String.format("%.1f", fault.recoverySeconds) + " s");
    }

    private void stopWorker(Fleet fleet, String role, Fault fault) throws IOException {
        Fleet.Slot s = pick(fleet, role);
        if (s == null) {
            return;
        }
        note("SIGTERM " + s.name() + " (scale-down)");
        long start = System.nanoTime();
        s.wantedUp = false;
        boolean clean = s.terminate(40);
        fault.downSeconds = (System.nanoTime() - start) / 1e9;
        note(s.name() + (clean ? " stopped gracefully" : " had to be killed") + " in "
                + String.format("%.1f", fault.downSeconds) + " s");
        if (!clean) {
            fault.recoverySeconds = -2;
        }
        Infra.sleep(2000 + random.nextInt(3000));
        s.wantedUp = true;
        long up = System.nanoTime();
        s.start();
        fleet.awaitReady(List.of(s), 120);
        fault.recoverySeconds = clean ? (System.nanoTime() - up) / 1e9 : -2;
    }

    private void restartDependency(Infra infra, Fleet fleet, String dep, Fault fault) {
        note("stopping " + dep);
        outage = dep;
        switch (dep) {
            case "kafka" -> infra.stopKafka();
            case "postgresql" -> infra.stopPostgres();
            default -> infra.stopRedis();
        }
        long downFor = 4000 + random.nextInt(4000);
        long end = System.nanoTime() + downFor * 1_000_000;
        while (System.nanoTime() < end) {
            if (!fault.sawDown && fleet.slots.stream().anyMatch(s -> s.alive() && s.ready() == 0)) {
                fault.sawDown = true;
            }
            Infra.sleep(200);
        }
        note("starting " + dep + " again");
        long start = System.nanoTime();
        switch (dep) {
            case "kafka" -> infra.resumeKafka();
            case "postgresql" -> infra.startPostgres();
            default -> infra.startRedis();
        }
        outage = null;
        fault.downSeconds = downFor / 1000.0;
        // Recovery: every process ready again, by itself (nobody restarts them).
        long limit = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < limit) {
            if (fleet.slots.stream().filter(Fleet.Slot::alive).allMatch(s -> s.ready() == 1)) {
                fault.recoverySeconds = (System.nanoTime() - start) / 1e9;
                break;
            }
            Infra.sleep(200);
        }
        note(dep + " back; readiness " + (fault.sawDown ? "went DOWN and " : "never went DOWN; ")
                + (fault.recoverySeconds >= 0 ? "all UP after " + String.format("%.1f", fault.recoverySeconds) + " s"
                        : "NOT back UP"));
    }

    private volatile boolean monitorStop;

    private void monitor(Fleet fleet) {
        while (!monitorStop) {
            fleet.slots.forEach(Fleet.Slot::sample);
            Infra.sleep(1000);
        }
    }

    // ---- settle and verify ----------------------------------------------------------------------

    private Connection db(Infra infra) throws SQLException {
        return DriverManager.getConnection(infra.jdbcUrl(), "postgres", "");
    }

    private Map<String, Object> settle(Infra infra) throws Exception {
        Set<UUID> ids = new HashSet<>(accepted.values());
        long end = System.nanoTime() + config.settleTimeout().toNanos();
        long open = -1;
        long lastChange = System.nanoTime();
        while (System.nanoTime() < end) {
            try (Connection c = db(infra); Statement st = c.createStatement()) {
                long closed = 0;
                try (ResultSet rs = st.executeQuery("SELECT exception_id FROM exception_outcome")) {
                    while (rs.next()) {
                        if (ids.contains(rs.getObject(1, UUID.class))) {
                            closed++;
                        }
                    }
                }
                long nowOpen = ids.size() - closed;
                if (nowOpen != open) {
                    open = nowOpen;
                    lastChange = System.nanoTime();
                    note("settling: " + closed + " of " + ids.size() + " outcomes recorded");
                }
                long pendingWork = scalar(st, "SELECT (SELECT count(*) FROM outbox) + (SELECT count(*) FROM retry_schedule)");
                if (open == 0 && pendingWork == 0) {
                    break;
                }
                if (open > 0 && System.nanoTime() - lastChange > TimeUnit.SECONDS.toNanos(60)) {
                    note("no progress for 60 s: " + open + " still open");
                    break;
                }
            } catch (SQLException e) {
                note("settle: " + e.getMessage());
            }
            Infra.sleep(1000);
        }
        Infra.sleep(3000); // the last closed events' publication and feedback
        return Map.of();
    }

    private static long scalar(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private Result verify(Infra infra, Fleet fleet, Map<String, Object> settled) throws Exception {
        List<String> failures = new ArrayList<>();
        StringBuilder t = new StringBuilder();
        Set<UUID> ids = new HashSet<>(accepted.values());
        Map<UUID, String> typeOf = new HashMap<>();
        accepted.forEach((k, v) -> typeOf.put(v, typeOfKey.get(k).split("\\|")[1]));

        // Closed events on the topic, by exception id (distinct event ids).
        Map<UUID, Set<String>> closedEvents = new HashMap<>();
        Map<String, Set<String>> alertEvents = new HashMap<>();
        readTopic(infra, "exflow.exceptions.closed", r -> {
            String ex = header(r, "ce_exceptionid");
            if (ex != null) {
                closedEvents.computeIfAbsent(UUID.fromString(ex), k -> new HashSet<>()).add(header(r, "ce_id"));
            }
        });
        readTopic(infra, "exflow.sla.alerts", r -> {
            String value = new String(r.value(), StandardCharsets.UTF_8);
            String kind = value.contains("\"IMMINENT\"") ? "IMMINENT" : "BREACHED";
            alertEvents.computeIfAbsent(header(r, "ce_exceptionid") + "|" + kind, k -> new HashSet<>()).add(header(r, "ce_id"));
        });

        long lost = 0, stuck = 0, dupRecords = 0, dupClosed = 0, noOutcome = 0, closedOk = 0;
        Map<String, Integer> outcomes = new TreeMap<>();
        long toolDup = 0, toolStarted = 0, toolRows = 0, toolMissing = 0;
        long alertsExpected = 0, alertsOk = 0, alertsDup = 0, alertsMissing = 0, alertsUnexpected = 0;
        long dlMatched = 0, dlWrongReason = 0, dlUnexpected = 0, dlMissing = 0, pendingWork;
        Map<String, Integer> dlByReason = new TreeMap<>();
        try (Connection c = db(infra); Statement st = c.createStatement()) {
            Map<UUID, String[]> records = new HashMap<>();
            try (ResultSet rs = st.executeQuery("SELECT id, state, closed_at IS NOT NULL, close_outcome FROM exception_record "
                    + "WHERE tenant_id LIKE 'chaos-%'")) {
                while (rs.next()) {
                    records.put(rs.getObject(1, UUID.class), new String[] { rs.getString(2), rs.getString(3), rs.getString(4) });
                }
            }
            Set<UUID> outcomesRecorded = new HashSet<>();
            try (ResultSet rs = st.executeQuery("SELECT exception_id, outcome FROM exception_outcome")) {
                while (rs.next()) {
                    outcomesRecorded.add(rs.getObject(1, UUID.class));
                    outcomes.merge(rs.getString(2), 1, Integer::sum);
                }
            }
            dupRecords = records.keySet().stream().filter(id -> !ids.contains(id)).count() + replayedKeyMismatch.size();
            for (UUID id : ids) {
                String[] rec = records.get(id);
                int closedCount = closedEvents.getOrDefault(id, Set.of()).size();
                if (rec == null) {
                    lost++;
                } else if (!"t".equals(rec[1])) {
                    stuck++;
                    if (stuck <= 5) {
                        failures.add("stuck: " + id + " in state " + rec[0]);
                    }
                } else if (closedCount == 0) {
                    lost++;
                    failures.add("closed in the database but no closed event on the topic: " + id);
                } else if (closedCount > 1) {
                    dupClosed++;
                    failures.add("closed " + closedCount + " times: " + id);
                } else if (!outcomesRecorded.contains(id)) {
                    noOutcome++;
                } else {
                    closedOk++;
                }
            }
            lost += ingestGaveUp.get();
            // Tool steps: one execution per (exception, tool, attempt); none left STARTED.
            toolRows = scalar(st, "SELECT count(*) FROM tool_execution");
            toolDup = scalar(st, "SELECT count(*) FROM (SELECT exception_id, tool, attempt FROM tool_execution "
                    + "GROUP BY 1, 2, 3 HAVING count(*) > 1) d");
            toolStarted = scalar(st, "SELECT count(*) FROM tool_execution WHERE status = 'STARTED'");
            // Every resolved playbook run used tools that have a SUCCEEDED execution each.
            toolMissing = scalar(st, "SELECT count(*) FROM playbook_run r, jsonb_array_elements_text(r.tools_used) u(tool) "
                    + "WHERE NOT EXISTS (SELECT 1 FROM tool_execution x WHERE x.exception_id = r.exception_id "
                    + "AND x.tool = u.tool AND x.status = 'SUCCEEDED')");
            // SLA alerts: every SLOW_REVIEW gets BREACHED once (IMMINENT at most once); nothing else alerts.
            Map<String, Integer> alertRows = new HashMap<>();
            try (ResultSet rs = st.executeQuery("SELECT exception_id, kind FROM sla_alert")) {
                while (rs.next()) {
                    alertRows.merge(rs.getObject(1, UUID.class) + "|" + rs.getString(2), 1, Integer::sum);
                }
            }
            for (UUID id : ids) {
                boolean slow = "SLOW_REVIEW".equals(typeOf.get(id));
                for (String kind : List.of("IMMINENT", "BREACHED")) {
                    String k = id + "|" + kind;
                    int rows = alertRows.getOrDefault(k, 0);
                    int events = alertEvents.getOrDefault(k, Set.of()).size();
                    if (slow && kind.equals("BREACHED")) {
                        alertsExpected++;
                    }
                    if (!slow && (rows > 0 || events > 0)) {
                        alertsUnexpected++;
                    } else if (rows > 1 || events > 1) {
                        alertsDup++;
                    } else if (rows != events) {
                        alertsMissing++;
                        failures.add("SLA alert " + k + ": " + rows + " marker(s), " + events + " event(s)");
                    } else if (slow && kind.equals("BREACHED")) {
                        if (rows == 1) {
                            alertsOk++;
                        } else {
                            alertsMissing++;
                        }
                    }
                }
            }
            // Dead letters: exactly the poison, each with its reason and consumer.
            List<Object[]> dls = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT id, consumer, reason, event_id, payload FROM dead_letter")) {
                while (rs.next()) {
                    dls.add(new Object[] { rs.getLong(1), rs.getString(2), rs.getString(3), rs.getObject(4, UUID.class),
                        rs.getBytes(5) });
                    dlByReason.merge(rs.getString(2) + " " + rs.getString(3), 1, Integer::sum);
                }
            }
            Set<Long> used = new HashSet<>();
            Map<Poison, Object[]> hits = new LinkedHashMap<>();
            // By event id first; then by payload (a garbage tool job has no id of its own: the runtime derives one).
            for (int pass = 0; pass < 2; pass++) {
                for (Poison p : poisons) {
                    if (hits.containsKey(p)) {
                        continue;
                    }
                    for (Object[] d : dls) {
                        if (used.contains((Long) d[0]) || !p.consumer().equals(d[1])) {
                            continue;
                        }
                        boolean same = pass == 0 ? p.eventId() != null && p.eventId().equals(d[3])
                                : d[4] != null && java.util.Arrays.equals(p.payload(), (byte[]) d[4]);
                        if (same) {
                            hits.put(p, d);
                            used.add((Long) d[0]);
                            break;
                        }
                    }
                }
            }
            for (Poison p : poisons) {
                Object[] hit = hits.get(p);
                if (hit == null) {
                    dlMissing++;
                    failures.add("poison not dead-lettered: " + p.kind() + " for " + p.consumer() + " (" + p.eventId() + ")");
                } else if (p.reason().equals(hit[2])) {
                    dlMatched++;
                } else {
                    dlWrongReason++;
                    failures.add("poison " + p.kind() + " for " + p.consumer() + ": reason " + hit[2] + ", expected "
                            + p.reason());
                }
            }
            for (Object[] d : dls) {
                if (!used.contains((Long) d[0])) {
                    dlUnexpected++;
                    if (dlUnexpected <= 5) {
                        failures.add("unexpected dead letter #" + d[0] + ": " + d[1] + " " + d[2] + " event " + d[3]);
                    }
                }
            }
            pendingWork = scalar(st, "SELECT (SELECT count(*) FROM outbox) + (SELECT count(*) FROM retry_schedule)");
        }
        long queued = 0;
        for (String q : List.of("high", "default", "low")) {
            queued += Long.parseLong(infra.redis("LLEN", "exflow:jobs:tool:" + q).replaceAll("\\D", "0"));
        }

        // ---- the table ----
        row(t, "exceptions submitted (accepted by the api)", accepted.size());
        row(t, "api attempts / failed attempts (retried)", ingestAttempts.get() + " / " + ingestFailures.get());
        row(t, "closed exactly once", closedOk);
        outcomes.forEach((k, v) -> row(t, "  outcome " + k, v));
        row(t, "lost (never recorded, or not on the closed topic)", lost);
        row(t, "stuck (not closed)", stuck);
        row(t, "closed but no outcome recorded (feedback)", noOutcome);
        row(t, "duplicated (closed twice / second record for a key)", dupClosed + dupRecords);
        row(t, "tool executions", toolRows);
        row(t, "tool steps executed more than once per attempt", toolDup);
        row(t, "tool executions left STARTED", toolStarted);
        row(t, "tools used without a succeeded execution", toolMissing);
        row(t, "SLA breaches expected / alerted exactly once", alertsExpected + " / " + alertsOk);
        row(t, "SLA alerts duplicated / missing / unexpected", alertsDup + " / " + alertsMissing + " / " + alertsUnexpected);
        row(t, "poison inputs injected", poisons.size());
        row(t, "poison dead-lettered with the right reason", dlMatched);
        row(t, "poison with a wrong reason / not dead-lettered", dlWrongReason + " / " + dlMissing);
        row(t, "other dead letters (must be 0)", dlUnexpected);
        dlByReason.forEach((k, v) -> row(t, "  dead letters " + k, v));
        row(t, "garbage HTTP requests answered", garbageSent.get() + " " + new TreeMap<>(garbageStatuses));
        row(t, "garbage answered 5xx outside an outage", garbageServerErrorsOutsideOutage.get());
        row(t, "outbox + retry rows left / tool jobs queued", pendingWork + " / " + queued);
        t.append("\nfaults (").append(faults.size()).append(")\n");
        t.append(String.format("%-8s %-10s %8s %10s %14s%n", "at (s)", "kind", "target", "readiness", "recovery (s)"));
        for (Fault f : faults) {
            String readiness = f.kind.equals("RESTART") ? (f.sawDown ? "DOWN->UP" : "no DOWN") : "-";
            t.append(String.format("%-8.1f %-10s %8s %10s %14s%n", f.atSeconds, f.kind, f.target, readiness,
                    f.recoverySeconds >= 0 ? String.format("%.1f", f.recoverySeconds) : "NOT RECOVERED"));
            if (f.kind.equals("RESTART") && !f.sawDown) {
                failures.add("readiness never went DOWN while " + f.target + " was stopped");
            }
            if (f.recoverySeconds < 0) {
                failures.add("no recovery after " + f.kind + " " + f.target);
            }
        }
        t.append("\nprocess            gens  max RSS (MB)  max threads\n");
        for (Fleet.Slot s : fleet.slots) {
            t.append(String.format("%-18s %4d %13d %12d%n", s.name(), s.generation, s.maxRssKb / 1024, s.maxThreads));
            if (s.maxRssKb > 900 * 1024) {
                failures.add(s.name() + " RSS " + s.maxRssKb / 1024 + " MB (bound 900)");
            }
            if (s.maxThreads > 400) {
                failures.add(s.name() + " " + s.maxThreads + " threads (bound 400)");
            }
        }
        // ---- the verdict ----
        if (lost > 0) {
            failures.add(lost + " exception(s) lost");
        }
        if (stuck > 0) {
            failures.add(stuck + " exception(s) stuck");
        }
        if (noOutcome > 0) {
            failures.add(noOutcome + " closed exception(s) without an outcome");
        }
        if (dupClosed + dupRecords > 0) {
            failures.add((dupClosed + dupRecords) + " duplicate(s)");
        }
        if (toolDup > 0 || toolStarted > 0 || toolMissing > 0) {
            failures.add("tool executions: " + toolDup + " duplicated, " + toolStarted + " left STARTED, " + toolMissing
                    + " missing");
        }
        if (alertsDup > 0 || alertsMissing > 0 || alertsUnexpected > 0 || alertsOk != alertsExpected) {
            failures.add("SLA alerts: " + alertsOk + "/" + alertsExpected + " ok, " + alertsDup + " duplicated, "
                    + alertsMissing + " missing, " + alertsUnexpected + " unexpected");
        }
        if (garbageServerErrorsOutsideOutage.get() > 0) {
            failures.add(garbageServerErrorsOutsideOutage.get() + " garbage request(s) answered 5xx");
        }
        if (accepted.isEmpty()) {
            failures.add("nothing was accepted");
        }
        t.append("\nrun log: ").append(config.home().resolve("logs")).append('\n');
        t.append(failures.isEmpty() ? "\nCHAOS RUN PASSED\n" : "\nCHAOS RUN FAILED:\n  " + String.join("\n  ", failures) + "\n");
        Files.writeString(config.home().resolve("report.txt"), t + "\n" + String.join("\n", eventsLog) + "\n");
        return new Result(failures.isEmpty(), failures, t.toString(), config.home().resolve("logs"));
    }

    private static void row(StringBuilder t, String what, Object value) {
        t.append(String.format("%-52s %s%n", what, value));
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static void readTopic(Infra infra, String topic, java.util.function.Consumer<ConsumerRecord<String, byte[]>> each) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrap());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> ends = c.endOffsets(parts);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline && parts.stream().anyMatch(tp -> c.position(tp) < ends.get(tp))) {
                c.poll(Duration.ofMillis(500)).forEach(each);
            }
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var s = Files.walk(p)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
        }
    }
}

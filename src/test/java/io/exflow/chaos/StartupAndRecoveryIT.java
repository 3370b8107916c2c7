package io.exflow.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.exflow.api.DevTokens;

/**
 * The consumer life cycle as an operator sees it, with the packaged app as a real process
 * (WORKER_TYPE=all, so every role reaches every dependency) on its own PostgreSQL, Redis and
 * Kafka: started while one dependency is down it stays alive with startup and readiness DOWN for
 * 20 s and starts working when the dependency appears; killed with SIGKILL and restarted it
 * consumes again at once (static group membership); and Kafka's own consumer-groups tool sees a
 * committed offset on every partition of every group, with lag back to 0 after a dead letter.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StartupAndRecoveryIT {
    private static final Duration DOWN_FOR = Duration.ofSeconds(20);
    private static final String TENANT = "acme-bank";
    private static final String INGESTED = "exflow.exceptions.ingested";
    private static final List<String> KAFKA_GROUPS = List.of("exflow-intake", "exflow-triage", "exflow-policy",
            "exflow-playbook", "exflow-feedback");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();

    private static Infra infra;
    private static Fleet fleet;
    private static Fleet.Slot app;
    private static final List<String> results = new ArrayList<>();

    @BeforeAll
    static void infrastructure() throws IOException {
        Path root = Path.of("").toAbsolutePath();
        assertThat(root.resolve("target/quarkus-app/quarkus-run.jar")).as("run ./mvnw package first").exists();
        Path home = root.resolve("target/startup-recovery");
        ChaosRun.deleteTree(home);
        infra = new Infra(root, home, 24632, 24679, 24692, "exflowstartup");
        infra.startAll();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", infra.bootstrap());
        env.put("DB_URL", infra.jdbcUrl());
        env.put("DB_USER", "postgres");
        env.put("DB_POOL_MAX", "8");
        env.put("REDIS_URL", infra.redisUrl());
        env.put("JWT_PUBLIC_KEY_LOCATION", "dev-jwt/publicKey.pem");
        env.put("EXFLOW_ALLOW_INSECURE_DEV_KEY", "true"); // a throw-away local run: the dev key is meant
        env.put("LOG_JSON", "false");
        env.put("TOPIC_PARTITIONS", "3");
        env.put("SHUTDOWN_TIMEOUT", "PT10S");
        env.put("GROUP_INSTANCE_ID", "startup-it");
        fleet = new Fleet(root, home.resolve("logs"), env);
        app = fleet.add("all", 24600);
    }

    @AfterAll
    static void tearDown() {
        results.forEach(System.out::println);
        if (fleet != null) {
            fleet.close();
        }
        if (infra != null) {
            infra.close();
        }
    }

    @Test
    @Order(1)
    void kafkaDownAtStartUp() throws Exception {
        infra.stopKafka();
        startWhileDown("Kafka", infra::resumeKafka);
    }

    @Test
    @Order(2)
    void everyPartitionHasACommittedOffsetAndADeadLetterLeavesNoLag() throws Exception {
        // Kafka came back empty of exflow's groups in the test before: the groups were created by this
        // process, and most partitions never had a record — still each has a committed offset.
        Map<String, List<String[]>> rows = describeGroups();
        for (String group : KAFKA_GROUPS) {
            assertThat(rows.get(group)).as("partitions of %s in\n%s", group, rows).isNotEmpty();
            for (String[] row : rows.get(group)) {
                assertThat(row[3]).as("committed offset of %s %s-%s", group, row[1], row[2]).matches("\\d+");
            }
        }
        results.add(String.format("consumer-groups tool: %d partitions in %d groups, each with a committed offset",
                rows.values().stream().mapToInt(List::size).sum(), KAFKA_GROUPS.size()));

        // A record nobody can read is dead-lettered, and its offset committed: lag goes back to 0.
        long deadLettersBefore = count("SELECT count(*) FROM dead_letter WHERE consumer = 'exflow-intake'");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", infra.bootstrap()),
                new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>(INGESTED, TENANT + ":garbage-" + i, "not a cloud event".getBytes())).get();
            }
        }
        await("3 dead letters for exflow-intake", Duration.ofSeconds(60),
                () -> count("SELECT count(*) FROM dead_letter WHERE consumer = 'exflow-intake'") == deadLettersBefore + 3);
        await("lag 0 on every partition of every group", Duration.ofSeconds(60), () -> {
            Map<String, List<String[]>> now = describeGroups();
            return KAFKA_GROUPS.stream().allMatch(g -> now.containsKey(g) && now.get(g).stream()
                    .allMatch(r -> r[3].matches("\\d+") && r[5].equals("0")));
        });
        List<String[]> intake = describeGroups().get("exflow-intake").stream().filter(r -> r[1].equals(INGESTED)).toList();
        assertThat(intake.stream().mapToLong(r -> Long.parseLong(r[4])).sum()).as("records on %s", INGESTED).isGreaterThanOrEqualTo(4);
        results.add("consumer-groups tool: after 3 dead-lettered records every partition's lag is 0");
    }

    @Test
    @Order(3)
    void postgresDownAtStartUp() throws Exception {
        assertThat(app.terminate(30)).as("graceful stop").isTrue();
        infra.stopPostgres();
        startWhileDown("PostgreSQL", infra::startPostgres);
    }

    @Test
    @Order(4)
    void redisDownAtStartUp() throws Exception {
        assertThat(app.terminate(30)).as("graceful stop").isTrue();
        infra.stopRedis();
        startWhileDown("Redis", infra::startRedis);
    }

    @Test
    @Order(5)
    void killedAndRestartedConsumesAgainAtOnce() throws Exception {
        await("ready before the kill", Duration.ofSeconds(60), () -> app.ready() == 1);
        app.kill();
        long restarted = System.nanoTime();
        app.start();
        await("ready after the restart", Duration.ofSeconds(180), () -> {
            assertThat(app.alive()).as("process alive").isTrue();
            return app.ready() == 1;
        });
        long ready = System.nanoTime();
        UUID id = submit();
        await("exception resolved after the restart", Duration.ofSeconds(60), () -> resolved(id));
        long flowing = System.nanoTime();
        double sinceReady = (flowing - ready) / 1e9;
        results.add(String.format("SIGKILL + restart: ready %.1f s after the restart, an exception submitted then resolved "
                + "%.1f s after ready (all six hops); %.1f s from restart", (ready - restarted) / 1e9, sinceReady,
                (flowing - restarted) / 1e9));
        // Without static membership the group would hold the dead member's partitions for the session
        // timeout (30 s) and readiness would stay DOWN meanwhile; the margin is for a busy machine.
        assertThat(sinceReady).as("seconds from ready to a resolved exception").isLessThan(15);
    }

    /** Starts the app while a dependency is down, checks it waits alive and DOWN, brings the dependency back. */
    private void startWhileDown(String dependency, Runnable bringBack) throws Exception {
        app.start();
        long started = System.nanoTime();
        long end = started + DOWN_FOR.toNanos();
        int checks = 0;
        while (System.nanoTime() < end) {
            assertThat(app.alive()).as("process alive while %s is down", dependency).isTrue();
            int startedStatus = health("started");
            int readyStatus = health("ready");
            assertThat(startedStatus).as("startup check while %s is down", dependency).isIn(-1, 503);
            assertThat(readyStatus).as("readiness while %s is down", dependency).isIn(-1, 503);
            if (startedStatus == 503) {
                checks++;
            }
            Infra.sleep(1000);
        }
        assertThat(checks).as("startup checks answered DOWN while %s was down", dependency).isGreaterThan(3);
        String waiting = Files.readString(fleet.logs.resolve(app.name() + "-" + app.generation + ".log"));
        assertThat(waiting).as("log while %s is down", dependency).contains("waiting for " + dependency.split(" ")[0]);
        long stackFrames = waiting.lines().filter(l -> l.startsWith("\tat ")).count();
        long back = System.nanoTime();
        bringBack.run();
        await("ready after " + dependency + " came back", Duration.ofSeconds(120), () -> {
            assertThat(app.alive()).as("process alive").isTrue();
            return app.ready() == 1;
        });
        long ready = System.nanoTime();
        UUID id = submit();
        await("exception resolved after " + dependency + " came back", Duration.ofSeconds(90), () -> resolved(id));
        results.add(String.format("%s down at start-up: alive and DOWN for %d s (%d 'still waiting' log lines, %d stack-trace "
                + "lines), ready %.1f s after %s came back, an exception resolved %.1f s later", dependency,
                DOWN_FOR.toSeconds(), waiting.lines().filter(l -> l.contains("still waiting for")).count(), stackFrames,
                (ready - back) / 1e9, dependency, (System.nanoTime() - ready) / 1e9));
    }

    private static int health(String which) {
        try {
            HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.managementPort
                    + "/q/health/" + which)).timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static UUID submit() throws Exception {
        String token = DevTokens.token("user-of-" + TENANT, List.of(TENANT), List.of("ingest", "operator", "approver"));
        long n = System.nanoTime() % 1_000_000;
        String body = """
                {"type": "settlement_failed", "source": "core-banking", "entity": "STL-%d", "amount": %d,
                 "currency": "usd", "timestamp": "%s", "settlementId": "S-%d"}
                """.formatted(n, 100 + n % 900, OffsetDateTime.now().minusMinutes(3), n);
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort
                + "/api/v1/tenants/" + TENANT + "/exceptions")).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        return UUID.fromString(r.body().replaceAll(".*\"exceptionId\"\\s*:\\s*\"([0-9a-f-]{36})\".*", "$1"));
    }

    private static boolean resolved(UUID id) {
        try (Connection c = DriverManager.getConnection(infra.jdbcUrl(), "postgres", "");
                PreparedStatement ps = c.prepareStatement("SELECT state FROM exception_record WHERE id = ?")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getString(1).equals("RESOLVED");
            }
        } catch (SQLException e) {
            return false;
        }
    }

    private static long count(String sql) {
        try (Connection c = DriverManager.getConnection(infra.jdbcUrl(), "postgres", "");
                PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Kafka's own tool, as an operator runs it: {@code kafka-consumer-groups --describe --all-groups}.
     * Rows by group: GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG … ("-" where none).
     */
    private static Map<String, List<String[]>> describeGroups() {
        try {
            return runDescribeGroups();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, List<String[]>> runDescribeGroups() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(Fleet.java(), "-cp", System.getProperty("java.class.path"),
                "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand", "--bootstrap-server", infra.bootstrap(),
                "--describe", "--all-groups").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        Map<String, List<String[]>> rows = new LinkedHashMap<>();
        for (String line : out.lines().toList()) {
            String[] cols = line.trim().split("\\s+");
            if (cols.length >= 6 && cols[0].startsWith("exflow-") && cols[2].matches("\\d+")) {
                rows.computeIfAbsent(cols[0], g -> new ArrayList<>()).add(cols);
            }
        }
        return rows;
    }

    private static void await(String what, Duration atMost, BooleanSupplier condition) {
        long end = System.nanoTime() + atMost.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + atMost.toSeconds() + " s: " + what + " (logs in " + fleet.logs + ")");
            }
            Infra.sleep(250);
        }
    }
}

package io.exflow.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.exflow.testing.ExflowTestResources;
import io.exflow.testing.KafkaTestCluster;
import io.exflow.testing.TestEvents;
import io.exflow.testing.TestKafka;

/**
 * Crash-loop quarantine (issue 15, item 4) with real processes: the packaged app as an intake
 * worker on the in-process Kafka and a database of its own. One marked record's handling ends
 * the process, every time: the test holds an uncommitted claim of that event, so handling it
 * waits on a lock, and the test kills the process (SIGKILL) as soon as it sees that wait — the
 * worker dies in the middle of the record, with its batch in hand. After POISON_MAX_DELIVERIES
 * (3) deliveries the next process dead-letters the record POISON_CRASH without running it, and
 * every other record has exactly one effect. The marked record arrives either as a Kafka record
 * or as a durable retry that is due (its first attempt had failed), whose runs are counted alike.
 */
class CrashLoopIT {
    /** How the marked record reaches the worker. */
    enum Arrival { KAFKA_RECORD, DUE_RETRY }

    static final int OTHERS = 20;
    static final int MAX_DELIVERIES = 3;
    static final String INGESTED = "exflow.exception.ingested";

    @ParameterizedTest
    @EnumSource(Arrival.class)
    void aRecordThatKillsItsProcessIsDeadLetteredAfterThreeDeliveriesAndEveryOtherRecordHasOneEffect(Arrival arrival)
            throws Exception {
        Path root = Path.of("").toAbsolutePath();
        assertThat(root.resolve("target/quarkus-app/quarkus-run.jar")).as("the package phase ran").exists();
        String run = UUID.randomUUID().toString().replace("-", "").substring(0, 10).toLowerCase(Locale.ROOT);
        String database = "exflow_crash_" + run;
        String prefix = "crash" + run + ".";
        Map<String, String> topics = new LinkedHashMap<>();
        for (String t : List.of("INGESTED", "NORMALIZED", "TRIAGED", "DECIDED", "CLOSED", "TOOL_RESULTS", "SLA_ALERTS",
                "DEADLETTER")) {
            topics.put("TOPIC_" + t, prefix + t.toLowerCase(Locale.ROOT));
        }
        String group = "crash-intake-" + run;
        Path logs = Files.createDirectories(root.resolve("target/crash-loop"));

        try (Connection admin = DriverManager.getConnection(ExflowTestResources.PG_ADMIN_URL, "postgres", "");
                Statement s = admin.createStatement()) {
            s.execute("CREATE DATABASE " + database);
        }
        String jdbcUrl = "jdbc:postgresql://127.0.0.1:5432/" + database;
        try (Admin kafka = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestCluster.bootstrapServers()))) {
            kafka.createTopics(topics.values().stream().map(t -> new NewTopic(t, 2, (short) 1)).toList())
                    .all().get(60, TimeUnit.SECONDS);
        }

        Map<String, String> env = new HashMap<>(topics);
        env.put("WORKER_TYPE", "intake");
        env.put("GROUP_ID", group);
        env.put("KAFKA_BOOTSTRAP_SERVERS", KafkaTestCluster.bootstrapServers());
        // A killed member's partitions come back after its session timeout: keep it short here.
        env.put("KAFKA_SESSION_TIMEOUT_MS", "6000");
        env.put("KAFKA_HEARTBEAT_INTERVAL_MS", "1000");
        env.put("DB_URL", jdbcUrl);
        env.put("DB_USER", "postgres");
        env.put("DB_POOL_MAX", "8");
        // The marked record waits on the test's lock until the process is killed, not for lock_timeout.
        env.put("DB_LOCK_TIMEOUT", "10min");
        env.put("HTTP_PORT", "24650");
        env.put("MANAGEMENT_PORT", "24651");
        env.put("LOG_JSON", "false");
        env.put("POISON_MAX_DELIVERIES", Integer.toString(MAX_DELIVERIES));
        env.put("OUTBOX_SWEEP_MIN_AGE", "PT0.5S");
        // A killed process's retry run is due again after its lease: keep it short here.
        env.put("RETRY_RUN_LEASE", "3s");

        UUID marked = UUID.randomUUID();
        UUID markedException = UUID.randomUUID();
        List<UUID> others = new ArrayList<>();
        Process process = null;
        Connection lockHolder = null;
        try {
            int kills = 0;
            for (int generation = 1; ; generation++) {
                process = start(root, logs.resolve("intake-" + run + "-" + generation + ".log"), env);
                if (lockHolder == null) {
                    // The first process created the schema: hold the marked event's claim, uncommitted, then send.
                    lockHolder = awaitReadyAndHoldClaim(jdbcUrl, env.get("MANAGEMENT_PORT"), group, marked);
                    for (int i = 0; i < OTHERS; i++) {
                        if (i == OTHERS / 2) {
                            if (arrival == Arrival.KAFKA_RECORD) {
                                send(topics.get("TOPIC_INGESTED"), marked, markedException, i);
                            } else {
                                scheduleRetry(jdbcUrl, group, topics.get("TOPIC_INGESTED"), marked, markedException, i);
                            }
                        }
                        UUID exceptionId = UUID.randomUUID();
                        others.add(exceptionId);
                        send(topics.get("TOPIC_INGESTED"), UUID.randomUUID(), exceptionId, i);
                    }
                }
                int lockPid = backendPid(lockHolder);
                Process current = process;
                String outcome = awaitOneOf(jdbcUrl, lockPid, marked, current);
                if (outcome.equals("dead-lettered")) {
                    break;
                }
                assertThat(outcome).as("process %d: handling the marked record", generation).startsWith("waiting:");
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL in the middle of the record
                kills++;
                // The killed process's backend still waits on the lock (it has not noticed its client died).
                terminateBackend(jdbcUrl, Integer.parseInt(outcome.substring("waiting:".length())));
                assertThat(kills).as("kills before the quarantine").isLessThanOrEqualTo(MAX_DELIVERIES);
                if (kills == MAX_DELIVERIES) {
                    // A record that kills its process leaves no lock behind: the stand-in for its crash ends
                    // here, so the quarantine's own claim (it waits for claims in flight) goes through.
                    lockHolder.rollback();
                }
            }
            assertThat(kills).as("the record was delivered %d times, each ending its process", MAX_DELIVERIES)
                    .isEqualTo(MAX_DELIVERIES);

            // Every other record: exactly one effect, one normalized event (by id) each.
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> count(jdbcUrl,
                    "SELECT count(*) FROM exception_record WHERE id = ANY (?)", (Object) others.toArray(UUID[]::new)) == OTHERS);
            await().atMost(Duration.ofSeconds(60)).until(() -> count(jdbcUrl, "SELECT count(*) FROM outbox") == 0);
            Map<String, Set<String>> normalizedIds = TestKafka.readAll(topics.get("TOPIC_NORMALIZED")).stream()
                    .collect(Collectors.groupingBy(r -> r.header("ce_exceptionid"),
                            Collectors.mapping(r -> r.header("ce_id"), Collectors.toSet())));
            for (UUID id : others) {
                assertThat(normalizedIds.get(id.toString())).as("normalized events of %s", id).hasSize(1);
            }
            assertThat(count(jdbcUrl, "SELECT count(*) FROM exception_record")).isEqualTo(OTHERS);
            assertThat(count(jdbcUrl, "SELECT count(*) FROM processed_event WHERE consumer = ?", group)).isEqualTo(OTHERS);

            // The marked record: one dead letter, POISON_CRASH, never run to an effect; no other dead letters.
            List<Map<String, Object>> deadLetters = rows(jdbcUrl, "SELECT event_id, reason, attempts, status FROM dead_letter");
            assertThat(deadLetters).singleElement().satisfies(dl -> {
                assertThat(dl.get("event_id")).isEqualTo(marked);
                assertThat(dl.get("reason")).isEqualTo("POISON_CRASH");
                assertThat(dl.get("attempts")).isEqualTo(MAX_DELIVERIES);
                assertThat(dl.get("status")).isEqualTo("PENDING");
            });
            assertThat(count(jdbcUrl, "SELECT count(*) FROM exception_record WHERE id = ?", markedException)).isZero();
            await().atMost(Duration.ofSeconds(60)).until(() -> TestKafka.readAll(topics.get("TOPIC_DEADLETTER")).stream()
                    .anyMatch(r -> marked.toString().equals(r.header("ce_id")) && "POISON_CRASH".equals(r.header("exflow_dl_reason"))));
            assertThat(count(jdbcUrl, "SELECT count(*) FROM retry_schedule")).as("retries left").isZero();
            // Its partition moved on: the counts of settled records are gone.
            await().atMost(Duration.ofSeconds(30)).until(() -> count(jdbcUrl,
                    "SELECT count(*) FROM delivery_count WHERE solo_runs >= ?", MAX_DELIVERIES) == 0);
        } finally {
            if (process != null && process.isAlive()) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
            if (lockHolder != null) {
                lockHolder.rollback();
                lockHolder.close();
            }
            try (Connection admin = DriverManager.getConnection(ExflowTestResources.PG_ADMIN_URL, "postgres", "");
                    Statement s = admin.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            }
        }
    }

    static void send(String topic, UUID eventId, UUID exceptionId, int n) {
        TestKafka.send(topic, "acme-bank:" + exceptionId, TestEvents.headers(eventId, INGESTED, "acme-bank", exceptionId),
                payload(n));
    }

    static byte[] payload(int n) {
        String payload = """
                {"type": "settlement_failed", "source": "core-banking", "entity": "STL-%d", "amount": %d,
                 "currency": "usd", "timestamp": "%s", "settlementId": "S-%d"}
                """.formatted(n, 100 + n, OffsetDateTime.now().minusMinutes(3), n);
        return TestEvents.json(payload);
    }

    /** The marked record as a due retry of the worker's consumer group, as its first failed attempt leaves it. */
    static void scheduleRetry(String jdbcUrl, String group, String topic, UUID eventId, UUID exceptionId, int n) throws Exception {
        String headers = new com.fasterxml.jackson.databind.ObjectMapper()
                .writeValueAsString(TestEvents.headers(eventId, INGESTED, "acme-bank", exceptionId));
        rows(jdbcUrl, "INSERT INTO retry_schedule (consumer, record_key, topic, headers, payload, event_id, event_type, "
                + "attempts, next_attempt_at, last_error, origin) VALUES (?, ?, ?, ?::jsonb, ?, ?, ?, 1, now(), ?, 'RETRY') "
                + "RETURNING id", group, "acme-bank:" + exceptionId, topic, headers, payload(n), eventId, INGESTED,
                "the first attempt failed");
    }

    static Process start(Path root, Path log, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Fleet.java(), "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-jar", root.resolve("target/quarkus-app/quarkus-run.jar").toString())
                .directory(root.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        return pb.start();
    }

    /**
     * Waits until the first process is ready — its migrations done: a claim held while a migration
     * still wants processed_event would block the migration, not the record — then claims the
     * marked event in an open transaction.
     */
    static Connection awaitReadyAndHoldClaim(String jdbcUrl, String managementPort, String group, UUID eventId)
            throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/q/health/ready")).build();
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
        Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO processed_event (consumer, event_id) VALUES (?, ?)")) {
            ps.setString(1, group);
            ps.setObject(2, eventId);
            ps.executeUpdate();
        }
        return c;
    }

    static int backendPid(Connection c) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /**
     * "waiting:&lt;pid&gt;" once a backend of the worker waits on the test's claim (the worker is in the
     * middle of the marked record), or "dead-lettered" once the marked record is a dead letter.
     */
    static String awaitOneOf(String jdbcUrl, int lockPid, UUID marked, Process process) {
        String[] outcome = new String[1];
        await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(200)).until(() -> {
            assertThat(process.isAlive()).as("the worker process is running").isTrue();
            if (count(jdbcUrl, "SELECT count(*) FROM dead_letter WHERE event_id = ?", marked) > 0) {
                outcome[0] = "dead-lettered";
                return true;
            }
            List<Map<String, Object>> waiting = rows(jdbcUrl,
                    "SELECT pid FROM pg_stat_activity WHERE ? = ANY (pg_blocking_pids(pid))", lockPid);
            if (!waiting.isEmpty()) {
                outcome[0] = "waiting:" + waiting.get(0).get("pid");
                return true;
            }
            return false;
        });
        return outcome[0];
    }

    static void terminateBackend(String jdbcUrl, int pid) throws Exception {
        rows(jdbcUrl, "SELECT pg_terminate_backend(?)", pid);
    }

    static long count(String jdbcUrl, String sql, Object... params) throws Exception {
        return ((Number) rows(jdbcUrl, sql, params).get(0).values().iterator().next()).longValue();
    }

    static List<Map<String, Object>> rows(String jdbcUrl, String sql, Object... params) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", ""); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                Object p = params[i];
                if (p instanceof UUID[] ids) {
                    ps.setArray(i + 1, c.createArrayOf("uuid", ids));
                } else {
                    ps.setObject(i + 1, p);
                }
            }
            List<Map<String, Object>> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                        row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                    }
                    out.add(row);
                }
            }
            return out;
        }
    }
}

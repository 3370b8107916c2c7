package io.exflow.worker.slamonitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.exflow.runtime.config.ExflowSettings;
import io.exflow.testing.Db;
import io.exflow.testing.ExflowTestResources;
import io.exflow.testing.Roles;
import io.exflow.testing.TestKafka;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/**
 * sla-monitor against the real PostgreSQL and Kafka, with WORKER_TYPE=sla-monitor,feedback.
 * Replicas are played by several {@link SlaScanner}s built as the role builds its own, run
 * concurrently over the same rows; assertions are on sla_alert rows, exception records, the
 * alert and closed topics, and metrics.
 */
@QuarkusTest
@QuarkusTestResource(ExflowTestResources.class)
@TestProfile(Roles.SlaMonitorAndFeedback.class)
class SlaMonitorIT {
    @Inject
    DataSource dataSource;
    @Inject
    SlaMonitor monitor;
    @Inject
    ExflowSettings settings;
    @Inject
    MeterRegistry registry;
    @Inject
    ObjectMapper mapper;

    Db db;

    @BeforeEach
    void setUp() {
        db = new Db(dataSource);
    }

    @AfterEach
    void restartRole() {
        monitor.start();
    }

    /** An open, triaged exception with the given SLA times (null imminent: the SLA_IMMINENT_THRESHOLD fallback applies). */
    UUID exception(String tenant, Instant ingestedAt, Instant imminentAt, Instant deadline) {
        UUID id = UUID.randomUUID();
        db.execute("INSERT INTO exception_record (id, tenant_id, state, exception_type, source_system, entity_id, ingested_at, "
                + "payload, severity, severity_source, sla_deadline, sla_imminent_at) "
                + "VALUES (?, ?, 'TRIAGED', 'SETTLEMENT_FAILED', 'core', 'STL-1', ?, '{}'::jsonb, 'HIGH', 'DEFAULT', ?, ?)",
                id, tenant, ts(ingestedAt), ts(deadline), ts(imminentAt));
        return id;
    }

    static Timestamp ts(Instant i) {
        return i == null ? null : Timestamp.from(i);
    }

    /** (exception, kind) → number of alert events on the topic, and the alerts' data. */
    Map<String, List<JsonNode>> alertsOnTopic(Set<UUID> ids) {
        Set<String> wanted = ids.stream().map(UUID::toString).collect(Collectors.toSet());
        Map<String, List<JsonNode>> out = new HashMap<>();
        for (TestKafka.Received r : TestKafka.readAll(settings.topics().slaAlerts())) {
            if (!wanted.contains(r.header("ce_exceptionid"))) {
                continue;
            }
            assertThat(r.header("ce_type")).isEqualTo("exflow.sla.alert");
            assertThat(r.header("ce_source")).isEqualTo("/exflow/sla-monitor");
            assertThat(r.key()).isEqualTo(r.header("ce_tenantid") + ":" + r.header("ce_exceptionid"));
            JsonNode data = read(r.value());
            out.computeIfAbsent(r.header("ce_exceptionid") + "/" + data.path("kind").asText(), k -> new ArrayList<>()).add(data);
        }
        return out;
    }

    Map<String, Long> closedOnTopic(Set<UUID> ids) {
        Set<String> wanted = ids.stream().map(UUID::toString).collect(Collectors.toSet());
        return TestKafka.readAll(settings.topics().closed()).stream().map(r -> r.header("ce_exceptionid"))
                .filter(wanted::contains).collect(Collectors.groupingBy(s -> s, Collectors.counting()));
    }

    JsonNode read(byte[] value) {
        try {
            return mapper.readTree(value);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    double alertsCounted(String kind) {
        Counter c = registry.find("exflow.sla.alerts").tag("kind", kind).counter();
        return c == null ? 0 : c.count();
    }

    List<SlaScanner.Emitted> runReplicas(int replicas, int scansEach) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(replicas);
        try {
            CyclicBarrier start = new CyclicBarrier(replicas);
            List<Future<List<SlaScanner.Emitted>>> futures = new ArrayList<>();
            for (int r = 0; r < replicas; r++) {
                SlaScanner scanner = monitor.newScanner();
                futures.add(pool.submit(() -> {
                    start.await();
                    List<SlaScanner.Emitted> mine = new ArrayList<>();
                    for (int i = 0; i < scansEach; i++) {
                        mine.addAll(monitor.scanAndCount(scanner));
                    }
                    return mine;
                }));
            }
            List<SlaScanner.Emitted> all = new ArrayList<>();
            for (Future<List<SlaScanner.Emitted>> f : futures) {
                all.addAll(f.get());
            }
            return all;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void threeReplicasEmitEachAlertExactlyOnceAcrossRestarts() throws Exception {
        monitor.stop(Duration.ofSeconds(10)); // the role's own scanner would be a fourth replica; leave it to the three
        Instant now = Instant.now();
        Map<String, Set<UUID>> imminent = new HashMap<>();
        Map<String, Set<UUID>> breached = new HashMap<>();
        Set<UUID> notDue = new HashSet<>();
        List<String> tenants = List.of("acme-bank", "medicare-plus", "calm-co");
        for (String tenant : tenants) {
            for (int i = 0; i < 7; i++) {
                imminent.computeIfAbsent(tenant, t -> new HashSet<>()).add(exception(tenant,
                        now.minus(Duration.ofMinutes(50)), now.minusSeconds(60 + i), now.plus(Duration.ofMinutes(10))));
                breached.computeIfAbsent(tenant, t -> new HashSet<>()).add(exception(tenant,
                        now.minus(Duration.ofHours(2)), now.minus(Duration.ofMinutes(30)), now.minusSeconds(5 + i)));
            }
            // No stored imminent time: 90 of 100 minutes elapsed > SLA_IMMINENT_THRESHOLD (0.8) → imminent.
            imminent.get(tenant).add(exception(tenant, now.minus(Duration.ofMinutes(90)), null, now.plus(Duration.ofMinutes(10))));
            // Not due: before the imminent time, and 10 of 100 minutes with the fallback threshold.
            notDue.add(exception(tenant, now.minus(Duration.ofMinutes(5)), now.plus(Duration.ofMinutes(30)), now.plus(Duration.ofHours(1))));
            notDue.add(exception(tenant, now.minus(Duration.ofMinutes(10)), null, now.plus(Duration.ofMinutes(90))));
        }
        // Closed, and unknown-to-SLA (not triaged), exceptions never alert, however late.
        UUID closed = exception("acme-bank", now.minus(Duration.ofHours(3)), now.minus(Duration.ofHours(2)), now.minus(Duration.ofHours(1)));
        db.execute("UPDATE exception_record SET state = 'RESOLVED', close_outcome = 'RESOLVED', closed_at = now() WHERE id = ?", closed);
        notDue.add(closed);
        UUID untriaged = exception("acme-bank", now.minus(Duration.ofHours(3)), null, null);
        notDue.add(untriaged);

        Set<UUID> allImminent = imminent.values().stream().flatMap(Set::stream).collect(Collectors.toSet());
        Set<UUID> allBreached = breached.values().stream().flatMap(Set::stream).collect(Collectors.toSet());
        Set<UUID> escalating = new HashSet<>(breached.get("acme-bank"));
        escalating.addAll(breached.get("medicare-plus"));
        Set<UUID> everything = new HashSet<>(allImminent);
        everything.addAll(allBreached);
        everything.addAll(notDue);
        double imminentCountedBefore = alertsCounted("imminent");
        double breachedCountedBefore = alertsCounted("breached");

        List<SlaScanner.Emitted> emitted = runReplicas(3, 3);

        // Each due (exception, kind) committed by exactly one replica.
        Map<String, Long> byPair = emitted.stream().collect(Collectors.groupingBy(
                e -> e.exceptionId() + "/" + e.kind(), Collectors.counting()));
        assertThat(byPair).hasSize(allImminent.size() + allBreached.size()).allSatisfy((k, v) -> assertThat(v).isEqualTo(1));
        assertThat(emitted.stream().filter(e -> e.kind() == io.exflow.domain.events.SlaAlert.Kind.IMMINENT)
                .map(SlaScanner.Emitted::exceptionId).collect(Collectors.toSet())).isEqualTo(allImminent);
        assertThat(emitted.stream().filter(e -> e.kind() == io.exflow.domain.events.SlaAlert.Kind.BREACHED)
                .map(SlaScanner.Emitted::exceptionId).collect(Collectors.toSet())).isEqualTo(allBreached);
        assertThat(alertsCounted("imminent") - imminentCountedBefore).isEqualTo(allImminent.size());
        assertThat(alertsCounted("breached") - breachedCountedBefore).isEqualTo(allBreached.size());

        // Persisted markers: one per pair, none for what was not due.
        UUID[] ids = everything.toArray(UUID[]::new);
        assertThat(db.count("SELECT count(*) FROM sla_alert WHERE exception_id = ANY (?) AND kind = 'IMMINENT'", (Object) ids))
                .isEqualTo(allImminent.size());
        assertThat(db.count("SELECT count(*) FROM sla_alert WHERE exception_id = ANY (?) AND kind = 'BREACHED'", (Object) ids))
                .isEqualTo(allBreached.size());
        assertThat(db.count("SELECT count(*) FROM sla_alert WHERE exception_id = ANY (?)", (Object) notDue.toArray(UUID[]::new)))
                .isZero();
        assertThat(db.count("SELECT count(*) FROM sla_alert WHERE exception_id = ANY (?) AND event_id IS NULL", (Object) ids)).isZero();

        // Breach escalation: acme-bank and medicare-plus escalate on breach, calm-co does not.
        UUID[] esc = escalating.toArray(UUID[]::new);
        assertThat(db.count("SELECT count(*) FROM exception_record WHERE id = ANY (?) AND state = 'ESCALATED' "
                + "AND close_outcome = 'ESCALATED' AND close_reason LIKE 'SLA breached%' AND closed_at IS NOT NULL", (Object) esc))
                .isEqualTo(escalating.size());
        assertThat(db.count("SELECT count(*) FROM sla_alert WHERE exception_id = ANY (?) AND escalated", (Object) esc))
                .isEqualTo(escalating.size());
        UUID[] calmBreached = breached.get("calm-co").toArray(UUID[]::new);
        assertThat(db.count("SELECT count(*) FROM exception_record WHERE id = ANY (?) AND state = 'TRIAGED' AND closed_at IS NULL",
                (Object) calmBreached)).isEqualTo(calmBreached.length);
        assertThat(db.count("SELECT count(*) FROM exception_record WHERE id = ANY (?) AND closed_at IS NULL",
                (Object) allImminent.toArray(UUID[]::new))).isEqualTo(allImminent.size());
        // The timeline has the alert and, for escalations, the closed event.
        assertThat(db.count("SELECT count(*) FROM exception_timeline WHERE exception_id = ANY (?) "
                + "AND event_type = 'exflow.exception.closed' AND actor = 'sla-monitor'", (Object) esc)).isEqualTo(escalating.size());

        // The topics: exactly one alert per pair, one closed event per escalation, with the right data.
        int expectedAlerts = allImminent.size() + allBreached.size();
        await().atMost(Duration.ofSeconds(20)).until(() -> alertsOnTopic(everything).values().stream()
                .mapToInt(List::size).sum() >= expectedAlerts);
        Map<String, List<JsonNode>> onTopic = alertsOnTopic(everything);
        assertThat(onTopic).hasSize(expectedAlerts).allSatisfy((k, v) -> assertThat(v).hasSize(1));
        for (UUID id : allBreached) {
            JsonNode data = onTopic.get(id + "/BREACHED").get(0);
            assertThat(data.path("escalated").asBoolean()).isEqualTo(escalating.contains(id));
            assertThat(data.path("severity").asText()).isEqualTo("HIGH");
            assertThat(data.path("slaDeadline").asText()).isNotEmpty();
        }
        for (UUID id : allImminent) {
            assertThat(onTopic.get(id + "/IMMINENT").get(0).path("escalated").asBoolean()).isFalse();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> closedOnTopic(escalating).size() == escalating.size());
        assertThat(closedOnTopic(escalating)).allSatisfy((k, v) -> assertThat(v).isEqualTo(1));
        assertThat(closedOnTopic(Set.copyOf(breached.get("calm-co")))).isEmpty();

        // "Restart": three fresh replicas (and the role's own thread) find nothing new to alert.
        List<SlaScanner.Emitted> again = runReplicas(3, 2);
        assertThat(again.stream().filter(e -> everything.contains(e.exceptionId()))).isEmpty();
        monitor.start();
        Thread.sleep(1_500); // three scan intervals of the role's own thread
        await().atMost(Duration.ofSeconds(10)).until(() -> db.count("SELECT count(*) FROM outbox") == 0);
        assertThat(alertsOnTopic(everything)).hasSize(expectedAlerts).allSatisfy((k, v) -> assertThat(v).hasSize(1));
        assertThat(closedOnTopic(everything)).hasSize(escalating.size()).allSatisfy((k, v) -> assertThat(v).isEqualTo(1));
        assertThat(db.count("SELECT count(*) FROM sla_alert WHERE exception_id = ANY (?)", (Object) ids)).isEqualTo(expectedAlerts);
    }

    @Test
    void theRunningRoleAlertsAndFeedbackRecordsTheAlertsAndTheEscalation() {
        assertThat(monitor.running()).isTrue();
        Instant now = Instant.now();
        UUID soon = exception("calm-co", now.minus(Duration.ofMinutes(50)), now.minusSeconds(1), now.plus(Duration.ofMinutes(10)));
        UUID late = exception("medicare-plus", now.minus(Duration.ofHours(4)), now.minus(Duration.ofHours(1)), now.minusSeconds(1));

        await().atMost(Duration.ofSeconds(20)).until(() -> db.count(
                "SELECT count(*) FROM sla_alert WHERE exception_id IN (?, ?)", soon, late) == 2);
        assertThat(db.rows("SELECT kind FROM sla_alert WHERE exception_id = ?", soon)).extracting(r -> r.get("kind"))
                .containsExactly("IMMINENT");
        assertThat(db.rows("SELECT kind, escalated FROM sla_alert WHERE exception_id = ?", late).get(0))
                .containsEntry("kind", "BREACHED").containsEntry("escalated", true);
        assertThat(db.rows("SELECT state FROM exception_record WHERE id = ?", late).get(0)).containsEntry("state", "ESCALATED");

        // feedback (same process) consumes both topics: the alerts, and the escalation's outcome.
        await().atMost(Duration.ofSeconds(30)).until(() -> db.count(
                "SELECT count(*) FROM feedback_sla_alert WHERE exception_id IN (?, ?)", soon, late) == 2
                && db.count("SELECT count(*) FROM exception_outcome WHERE exception_id = ?", late) == 1);
        Map<String, Object> outcome = db.rows("SELECT outcome, auto_resolved, sla_met, tenant_id, exception_type, "
                + "time_to_resolve_ms FROM exception_outcome WHERE exception_id = ?", late).get(0);
        assertThat(outcome).containsEntry("outcome", "ESCALATED").containsEntry("auto_resolved", false)
                .containsEntry("sla_met", false).containsEntry("tenant_id", "medicare-plus")
                .containsEntry("exception_type", "SETTLEMENT_FAILED");
        assertThat(((Number) outcome.get("time_to_resolve_ms")).longValue()).isGreaterThanOrEqualTo(Duration.ofHours(4).toMillis());
    }
}

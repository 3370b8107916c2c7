package io.exflow.worker.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.exflow.runtime.config.ExflowSettings;
import io.exflow.testing.Db;
import io.exflow.testing.ExflowTestResources;
import io.exflow.testing.Roles;
import io.exflow.testing.TestEvents;
import io.exflow.testing.TestKafka;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/**
 * feedback on the real Kafka and PostgreSQL: closed and SLA-alert events produced as CloudEvents
 * (some delivered twice) are recorded once per exception, and the metrics and
 * {@link FeedbackStats} reflect them. Tenant {@code tally-co} is used by this class only.
 */
@QuarkusTest
@QuarkusTestResource(ExflowTestResources.class)
@TestProfile(Roles.SlaMonitorAndFeedback.class)
class FeedbackIT {
    static final String TENANT = "tally-co";
    static final String CLOSED = "exflow.exception.closed";
    static final String ALERT = "exflow.sla.alert";

    @Inject
    DataSource dataSource;
    @Inject
    ExflowSettings settings;
    @Inject
    MeterRegistry registry;
    @Inject
    FeedbackStats stats;

    Db db;

    @BeforeEach
    void setUp() {
        db = new Db(dataSource);
    }

    UUID exception(Instant ingestedAt, String state, Instant closedAt) {
        UUID id = UUID.randomUUID();
        db.execute("INSERT INTO exception_record (id, tenant_id, state, exception_type, ingested_at, payload, severity, "
                + "closed_at, close_outcome) VALUES (?, ?, ?, 'SETTLEMENT_FAILED', ?, '{}'::jsonb, 'HIGH', ?, ?)",
                id, TENANT, state, Timestamp.from(ingestedAt), closedAt == null ? null : Timestamp.from(closedAt),
                closedAt == null ? null : state);
        return id;
    }

    static String closed(String outcome, String playbook, boolean auto, List<String> tools, Instant ingestedAt,
            Instant closedAt, Instant deadline) {
        return """
                {"outcome": "%s", "reason": "test", "exceptionType": "SETTLEMENT_FAILED", "severity": "HIGH",
                 "playbookId": %s, "autoResolved": %s, "toolsUsed": [%s], "ingestedAt": "%s", "closedAt": "%s",
                 "slaDeadline": %s}
                """.formatted(outcome, playbook == null ? "null" : "\"" + playbook + "\"", auto,
                String.join(",", tools.stream().map(t -> "\"" + t + "\"").toList()), ingestedAt, closedAt,
                deadline == null ? "null" : "\"" + deadline + "\"");
    }

    void send(String topic, UUID eventId, String type, UUID exceptionId, String json) {
        TestKafka.send(topic, TENANT + ":" + exceptionId, TestEvents.headers(eventId, type, TENANT, exceptionId),
                TestEvents.json(json));
    }

    double counter(String name, String... tags) {
        Counter c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void outcomesAreRecordedOnceEvenWhenDeliveredTwiceAndShowInMetricsAndStats() {
        Instant now = Instant.now();
        Instant ingested = now.minus(Duration.ofMinutes(30));
        UUID resolved = exception(ingested, "RESOLVED", now);
        UUID escalated = exception(ingested, "ESCALATED", now);
        UUID blocked = exception(ingested, "BLOCKED", now);
        double duplicatesBefore = counter("exflow.duplicates.skipped", "worker", "exflow-feedback");

        UUID resolvedEvent = UUID.randomUUID();
        String resolvedJson = closed("RESOLVED", "retry-settlement", true, List.of("settlement.retry", "ledger.reconcile"),
                ingested, now, now.plus(Duration.ofHours(1)));
        String topic = settings.topics().closed();
        send(topic, resolvedEvent, CLOSED, resolved, resolvedJson);
        send(topic, resolvedEvent, CLOSED, resolved, resolvedJson); // redelivery of the same event
        // A second, different closed event for the same exception (e.g. a re-published close): still one outcome.
        send(topic, UUID.randomUUID(), CLOSED, resolved, closed("ESCALATED", "retry-settlement", false, List.of(),
                ingested, now.plusSeconds(5), now.plus(Duration.ofHours(1))));
        send(topic, UUID.randomUUID(), CLOSED, escalated, closed("ESCALATED", "retry-settlement", false,
                List.of("settlement.retry"), ingested, now, now.minus(Duration.ofMinutes(1))));
        send(topic, UUID.randomUUID(), CLOSED, blocked, closed("BLOCKED", null, false, List.of(), ingested, now, null));

        await().atMost(Duration.ofSeconds(30)).until(() -> db.count(
                "SELECT count(*) FROM exception_outcome WHERE tenant_id = ?", TENANT) == 3
                && db.count("SELECT count(*) FROM exception_timeline WHERE exception_id = ? "
                        + "AND event_type = 'exflow.feedback.outcome-already-recorded'", resolved) == 1
                && counter("exflow.duplicates.skipped", "worker", "exflow-feedback") > duplicatesBefore);

        Map<String, Object> r = db.rows("SELECT outcome, auto_resolved, sla_met, playbook_id, time_to_resolve_ms, "
                + "tools_used::text AS tools, closed_event_id FROM exception_outcome WHERE exception_id = ?", resolved).get(0);
        assertThat(r).containsEntry("outcome", "RESOLVED").containsEntry("auto_resolved", true).containsEntry("sla_met", true)
                .containsEntry("playbook_id", "retry-settlement").containsEntry("closed_event_id", resolvedEvent);
        assertThat(((Number) r.get("time_to_resolve_ms")).longValue()).isEqualTo(Duration.ofMinutes(30).toMillis());
        assertThat(r.get("tools").toString()).isEqualTo("[\"settlement.retry\", \"ledger.reconcile\"]");
        assertThat(db.rows("SELECT outcome, sla_met FROM exception_outcome WHERE exception_id = ?", escalated).get(0))
                .containsEntry("outcome", "ESCALATED").containsEntry("sla_met", false);
        assertThat(db.rows("SELECT outcome, sla_met, playbook_id FROM exception_outcome WHERE exception_id = ?", blocked).get(0))
                .containsEntry("outcome", "BLOCKED").containsEntry("sla_met", null).containsEntry("playbook_id", null);

        // Metrics: counted once per outcome row, after commit.
        assertThat(counter("exflow.exceptions.closed", "tenant", TENANT, "outcome", "resolved")).isEqualTo(1);
        assertThat(counter("exflow.exceptions.closed", "tenant", TENANT, "outcome", "escalated")).isEqualTo(1);
        assertThat(counter("exflow.exceptions.closed", "tenant", TENANT, "outcome", "blocked")).isEqualTo(1);
        assertThat(counter("exflow.exceptions.auto.resolved", "tenant", TENANT)).isEqualTo(1);
        assertThat(counter("exflow.sla.outcomes", "tenant", TENANT, "result", "met")).isEqualTo(1);
        assertThat(counter("exflow.sla.outcomes", "tenant", TENANT, "result", "breached")).isEqualTo(1);
        Timer resolveTime = registry.find("exflow.exception.time.to.resolve").tags("tenant", TENANT, "outcome", "resolved").timer();
        assertThat(resolveTime).isNotNull();
        assertThat(resolveTime.count()).isEqualTo(1);
        assertThat(resolveTime.totalTime(java.util.concurrent.TimeUnit.MINUTES)).isEqualTo(30.0);

        // The query class the api uses.
        FeedbackStats.TenantStats s = stats.forTenant(TENANT);
        assertThat(s.totals().closed()).isEqualTo(3);
        assertThat(s.totals().resolved()).isEqualTo(1);
        assertThat(s.totals().escalated()).isEqualTo(1);
        assertThat(s.totals().blocked()).isEqualTo(1);
        assertThat(s.totals().autoResolved()).isEqualTo(1);
        assertThat(s.totals().slaMet()).isEqualTo(1);
        assertThat(s.totals().slaBreached()).isEqualTo(1);
        assertThat(s.totals().slaMetRatio()).isEqualTo(0.5);
        assertThat(s.totals().meanTimeToResolveMs()).isEqualTo(Duration.ofMinutes(30).toMillis());
        assertThat(s.groups()).extracting(FeedbackStats.Group::exceptionType, FeedbackStats.Group::playbookId)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("SETTLEMENT_FAILED", ""),
                        org.assertj.core.groups.Tuple.tuple("SETTLEMENT_FAILED", "retry-settlement"));
        assertThat(s.groups().get(0).figures().blocked()).isEqualTo(1);
        assertThat(s.groups().get(1).figures().closed()).isEqualTo(2);
        assertThat(s.groups().get(1).figures().autoResolvedRatio()).isEqualTo(0.5);
        assertThat(stats.forTenant("no-such-tenant").totals().closed()).isZero();
    }

    @Test
    void slaAlertsAreRecordedOncePerExceptionAndKind() {
        Instant now = Instant.now();
        UUID open = exception(now.minus(Duration.ofMinutes(50)), "TRIAGED", null);
        String topic = settings.topics().slaAlerts();
        UUID imminentEvent = UUID.randomUUID();
        String imminent = """
                {"kind": "IMMINENT", "severity": "HIGH", "slaDeadline": "%s", "detectedAt": "%s", "escalated": false}
                """.formatted(now.plus(Duration.ofMinutes(10)), now);
        send(topic, imminentEvent, ALERT, open, imminent);
        send(topic, imminentEvent, ALERT, open, imminent);
        send(topic, UUID.randomUUID(), ALERT, open, imminent); // re-emitted under a new id: still one
        send(topic, UUID.randomUUID(), ALERT, open, """
                {"kind": "BREACHED", "severity": "HIGH", "slaDeadline": "%s", "detectedAt": "%s", "escalated": false}
                """.formatted(now, now.plusSeconds(1)));

        await().atMost(Duration.ofSeconds(30)).until(() -> db.count(
                "SELECT count(*) FROM feedback_sla_alert WHERE exception_id = ?", open) == 2
                && db.count("SELECT count(*) FROM exception_timeline WHERE exception_id = ? "
                        + "AND event_type = 'exflow.feedback.alert-already-recorded'", open) == 1
                && db.count("SELECT count(*) FROM processed_event WHERE consumer = 'exflow-feedback' AND event_id = ?",
                        imminentEvent) == 1);
        assertThat(db.rows("SELECT event_id FROM feedback_sla_alert WHERE exception_id = ? AND kind = 'IMMINENT'", open)
                .get(0)).containsEntry("event_id", imminentEvent);
        assertThat(counter("exflow.sla.alerts.recorded", "tenant", TENANT, "kind", "imminent")).isEqualTo(1);
        assertThat(counter("exflow.sla.alerts.recorded", "tenant", TENANT, "kind", "breached")).isEqualTo(1);
        FeedbackStats.TenantStats s = stats.forTenant(TENANT);
        assertThat(s.imminentAlerts()).isEqualTo(1);
        assertThat(s.breachedAlerts()).isEqualTo(1);
    }

    @Test
    void aClosedEventWithBadDataIsDeadLetteredNotRecorded() {
        UUID id = exception(Instant.now().minusSeconds(60), "RESOLVED", Instant.now());
        UUID eventId = UUID.randomUUID();
        send(settings.topics().closed(), eventId, CLOSED, id, "{\"outcome\": \"VANISHED\", \"closedAt\": \"" + Instant.now() + "\"}");
        await().atMost(Duration.ofSeconds(30)).until(() -> db.count(
                "SELECT count(*) FROM dead_letter WHERE event_id = ? AND reason = 'VALIDATION_FAILED' "
                        + "AND consumer = 'exflow-feedback'", eventId) == 1);
        assertThat(db.count("SELECT count(*) FROM exception_outcome WHERE exception_id = ?", id)).isZero();
    }
}

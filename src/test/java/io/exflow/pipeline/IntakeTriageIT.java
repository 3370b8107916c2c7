package io.exflow.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.exflow.runtime.WorkerRuntime;
import io.exflow.runtime.config.ExflowSettings;
import io.exflow.runtime.delivery.DeliveryEngine;
import io.exflow.runtime.delivery.IdempotencyClaims;
import io.exflow.runtime.delivery.AfterCommit;
import io.exflow.runtime.delivery.Outbox;
import io.exflow.runtime.delivery.OutboxRelay;
import io.exflow.runtime.delivery.InboundRecord;
import io.exflow.runtime.delivery.Subscriber;
import io.exflow.testing.Db;
import io.exflow.testing.ExflowTestResources;
import io.exflow.testing.Roles;
import io.exflow.testing.TestEvents;
import io.exflow.testing.TestKafka;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/**
 * Intake and triage end to end on the real in-process Kafka, the local PostgreSQL and Redis,
 * with WORKER_TYPE=intake,triage. Every assertion is on database rows, topic records or metrics.
 */
@QuarkusTest
@QuarkusTestResource(ExflowTestResources.class)
@TestProfile(Roles.IntakeAndTriage.class)
class IntakeTriageIT {
    static final String INGESTED = "exflow.exception.ingested";

    @Inject
    DataSource dataSource;
    @Inject
    ExflowSettings settings;
    @Inject
    OutboxRelay relay;
    @Inject
    jakarta.transaction.TransactionSynchronizationRegistry transactions;
    @Inject
    WorkerRuntime runtime;
    @Inject
    DeliveryEngine engine;
    @Inject
    MeterRegistry registry;
    @Inject
    io.exflow.runtime.delivery.DeadLetters deadLetters;

    Db db;

    @BeforeEach
    void setUp() {
        db = new Db(dataSource);
        runtime.start();
    }

    @AfterEach
    void tearDown() {
        runtime.start();
    }

    // ---- helpers ------------------------------------------------------------------------

    static String settlement(long amount, String extraAttributes) {
        return """
                {"type": "settlement_failed", "source": "core-banking", "entity": "STL-%d", "amount": %d,
                 "currency": "usd", "timestamp": "%s", "settlementId": "S-%d"%s}
                """.formatted(amount, amount, OffsetDateTime.now().minusMinutes(3), amount,
                extraAttributes.isEmpty() ? "" : ", " + extraAttributes);
    }

    UUID ingest(UUID eventId, String tenant, UUID exceptionId, String payload) {
        TestKafka.send(settings.topics().ingested(), tenant + ":" + exceptionId,
                TestEvents.headers(eventId, INGESTED, tenant, exceptionId), TestEvents.json(payload));
        return exceptionId;
    }

    UUID ingest(String tenant, String payload) {
        return ingest(UUID.randomUUID(), tenant, UUID.randomUUID(), payload);
    }

    void awaitState(UUID exceptionId, String state) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> db.count(
                "SELECT count(*) FROM exception_record WHERE id = ? AND state = ?", exceptionId, state) == 1);
    }

    List<TestKafka.Received> eventsOf(String topic, UUID exceptionId) {
        return TestKafka.readAll(topic).stream().filter(r -> exceptionId.toString().equals(r.header("ce_exceptionid")))
                .toList();
    }

    double counter(String name, String... tags) {
        Counter c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    // ---- the happy path -----------------------------------------------------------------

    @Test
    void ingestedExceptionIsNormalizedRedactedAndTriagedWithIdsOnEveryEvent() {
        UUID ingestEvent = UUID.randomUUID();
        UUID id = ingest(ingestEvent, "acme-bank", UUID.randomUUID(), settlement(75_000,
                "\"contact\": \"jane.doe@example.com\", \"card\": \"4111 1111 1111 1111\", \"customerName\": \"Jane Doe\","
                        + " \"note\": \"call +1 415 555 0100\""));
        awaitState(id, "TRIAGED");

        Map<String, Object> row = db.rows("SELECT * FROM exception_record WHERE id = ?", id).get(0);
        assertThat(row).containsEntry("tenant_id", "acme-bank").containsEntry("exception_type", "SETTLEMENT_FAILED")
                .containsEntry("currency", "USD").containsEntry("severity", "HIGH")
                .containsEntry("severity_source", "DOMAIN_RULE");
        String stored = row.get("payload").toString();
        assertThat(stored).doesNotContain("jane.doe@example.com", "4111 1111 1111 1111", "Jane Doe", "555 0100")
                .contains("[REDACTED:EMAIL]", "[REDACTED:CARD_NUMBER]", "[REDACTED:TENANT_FIELD]");
        assertThat(row.get("redactions").toString()).contains("EMAIL", "CARD_NUMBER", "PHONE");
        Instant ingestedAt = ((java.sql.Timestamp) row.get("ingested_at")).toInstant();
        Instant deadline = ((java.sql.Timestamp) row.get("sla_deadline")).toInstant();
        assertThat(Duration.between(ingestedAt, deadline)).isEqualTo(Duration.ofHours(4)); // acme-bank HIGH = PT4H

        await().atMost(Duration.ofSeconds(15)).until(() -> eventsOf(settings.topics().triaged(), id).size() == 1);
        TestKafka.Received normalized = eventsOf(settings.topics().normalized(), id).get(0);
        TestKafka.Received triaged = eventsOf(settings.topics().triaged(), id).get(0);
        assertThat(normalized.key()).isEqualTo("acme-bank:" + id);
        assertThat(normalized.headers()).containsEntry("ce_specversion", "1.0")
                .containsEntry("ce_type", "exflow.exception.normalized").containsEntry("ce_tenantid", "acme-bank")
                .containsEntry("ce_correlationid", id.toString()).containsEntry("ce_causationid", ingestEvent.toString())
                .containsEntry("ce_schemaversion", "1").containsEntry("content-type", "application/json")
                .containsKeys("ce_id", "ce_source", "ce_time");
        assertThat(normalized.valueText()).doesNotContain("jane.doe@example.com");
        assertThat(triaged.headers()).containsEntry("ce_type", "exflow.exception.triaged")
                .containsEntry("ce_correlationid", id.toString())
                .containsEntry("ce_causationid", normalized.header("ce_id"));
        assertThat(triaged.valueText()).contains("\"severity\":\"HIGH\"", "\"severityRule\":\"settlement-large\"");

        List<Object> timeline = db.rows("SELECT event_type FROM exception_timeline WHERE exception_id = ? ORDER BY id", id)
                .stream().map(r -> r.get("event_type")).toList();
        assertThat(timeline).containsExactly("exflow.exception.normalized", "exflow.exception.triaged");
    }

    @Test
    void severityComesFromTenantOverrideThenDomainRuleThenDefault() {
        UUID override = ingest("acme-bank", """
                {"type": "PAYMENT_MISMATCH", "source": "payments", "entity": "P-1", "amount": 10, "currency": "EUR",
                 "timestamp": "%s", "paymentId": "P-1", "expectedAmount": 12}""".formatted(Instant.now().minusSeconds(60)));
        UUID byDefault = ingest("acme-bank", settlement(1_000, ""));
        UUID medicare = ingest("medicare-plus", """
                {"type": "ELIGIBILITY_FAILED", "source": "claims", "entity": "M-1", "timestamp": "%s",
                 "memberId": "M-778", "payerId": "PAYER-9"}""".formatted(Instant.now().minusSeconds(60)));
        awaitState(override, "TRIAGED");
        awaitState(byDefault, "TRIAGED");
        awaitState(medicare, "TRIAGED");
        assertThat(db.rows("SELECT severity, severity_source FROM exception_record WHERE id = ?", override).get(0))
                .containsEntry("severity", "HIGH").containsEntry("severity_source", "TENANT_OVERRIDE");
        assertThat(db.rows("SELECT severity, severity_source FROM exception_record WHERE id = ?", byDefault).get(0))
                .containsEntry("severity", "MEDIUM").containsEntry("severity_source", "DEFAULT");
        assertThat(db.count("SELECT count(*) FROM exception_record WHERE id = ? AND tenant_id = 'medicare-plus'", medicare))
                .isEqualTo(1);
    }

    // ---- idempotency --------------------------------------------------------------------

    @Test
    void sameEventDeliveredTwiceAndAHundredTimesHasExactlyOneEffect() throws Exception {
        double duplicatesBefore = counter("exflow.duplicates.skipped", "worker", "exflow-intake");
        UUID eventId = UUID.randomUUID();
        UUID id = UUID.randomUUID();
        String payload = settlement(2_000, "");
        for (int i = 0; i < 101; i++) {
            ingest(eventId, "acme-bank", id, payload);
        }
        awaitState(id, "TRIAGED");
        await().atMost(Duration.ofSeconds(20)).until(() -> counter("exflow.duplicates.skipped", "worker", "exflow-intake")
                - duplicatesBefore >= 100);

        // And 100 copies of one new event racing on 100 threads straight into the engine: each copy is
        // its own record (its own offset), as a producer's retries put them on a topic. (One Kafka
        // position is delivered to one consumer at a time; delivering the same position on 100 threads
        // at once would look like a record that keeps ending its process, see CrashLoopIT.)
        Subscriber intake = runtime.loops().stream().map(l -> l.subscriber())
                .filter(s -> s.consumerGroup().equals("exflow-intake")).findFirst().orElseThrow();
        UUID racedEvent = UUID.randomUUID();
        UUID racedId = UUID.randomUUID();
        ExecutorService pool = Executors.newFixedThreadPool(100);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> racing = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            InboundRecord record = new InboundRecord(settings.topics().ingested(), 0, 1_000_000L + i, "acme-bank:" + racedId,
                    TestEvents.headers(racedEvent, INGESTED, "acme-bank", racedId), TestEvents.json(settlement(3_000, "")), 0, null);
            racing.add(pool.submit(() -> {
                start.await();
                engine.processBatch(intake, List.of(record));
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : racing) {
            f.get();
        }
        pool.shutdown();
        awaitState(racedId, "TRIAGED");

        for (UUID exception : List.of(id, racedId)) {
            assertThat(db.count("SELECT count(*) FROM exception_record WHERE id = ?", exception)).isEqualTo(1);
            assertThat(db.count("SELECT count(*) FROM exception_timeline WHERE exception_id = ? "
                    + "AND event_type = 'exflow.exception.normalized'", exception)).isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> eventsOf(settings.topics().triaged(), exception).size() == 1);
            assertThat(eventsOf(settings.topics().normalized(), exception)).hasSize(1);
        }
        assertThat(db.count("SELECT count(*) FROM processed_event WHERE consumer = 'exflow-intake' AND event_id IN (?, ?)",
                eventId, racedEvent)).isEqualTo(2);
        assertThat(counter("exflow.duplicates.skipped", "worker", "exflow-intake") - duplicatesBefore).isGreaterThanOrEqualTo(199);
    }

    // ---- poison input -------------------------------------------------------------------

    @Test
    void everyPoisonInputIsDeadLetteredWithItsReasonAndTheNextGoodEventIsProcessed() {
        double rejectionsBefore = counter("exflow.tenant.rejections", "worker", "exflow-intake");
        String topic = settings.topics().ingested();
        Map<UUID, String> expected = new HashMap<>();
        String good = settlement(500, "");

        UUID notJson = UUID.randomUUID();
        TestKafka.send(topic, "k", TestEvents.headers(notJson, INGESTED, "acme-bank", UUID.randomUUID()),
                TestEvents.json("{not json"));
        expected.put(notJson, "MALFORMED_EVENT");

        UUID missingSource = UUID.randomUUID();
        Map<String, String> noSource = TestEvents.headers(missingSource, INGESTED, "acme-bank", UUID.randomUUID());
        noSource.remove("ce_source");
        TestKafka.send(topic, "k", noSource, TestEvents.json(good));
        expected.put(missingSource, "MISSING_ATTRIBUTE");

        UUID unknownType = UUID.randomUUID();
        TestKafka.send(topic, "k", TestEvents.headers(unknownType, "exflow.exception.exploded", "acme-bank", UUID.randomUUID()),
                TestEvents.json(good));
        expected.put(unknownType, "UNSUPPORTED_EVENT_TYPE");

        UUID newerSchema = UUID.randomUUID();
        Map<String, String> v2 = TestEvents.headers(newerSchema, INGESTED, "acme-bank", UUID.randomUUID());
        v2.put("ce_schemaversion", "2");
        TestKafka.send(topic, "k", v2, TestEvents.json(good));
        expected.put(newerSchema, "SCHEMA_VERSION_UNSUPPORTED");

        UUID noTenant = UUID.randomUUID();
        TestKafka.send(topic, "k", TestEvents.headers(noTenant, INGESTED, null, UUID.randomUUID()), TestEvents.json(good));
        expected.put(noTenant, "TENANT_REJECTED");

        UUID unknownTenant = UUID.randomUUID();
        TestKafka.send(topic, "k", TestEvents.headers(unknownTenant, INGESTED, "no-such-tenant", UUID.randomUUID()),
                TestEvents.json(good));
        expected.put(unknownTenant, "TENANT_REJECTED");

        UUID suspended = UUID.randomUUID();
        TestKafka.send(topic, "k", TestEvents.headers(suspended, INGESTED, "dormant-co", UUID.randomUUID()),
                TestEvents.json(good));
        expected.put(suspended, "TENANT_REJECTED");

        UUID acmeException = ingest("acme-bank", settlement(600, ""));
        awaitState(acmeException, "TRIAGED");
        UUID foreign = UUID.randomUUID();
        ingest(foreign, "medicare-plus", acmeException, good);
        expected.put(foreign, "TENANT_REJECTED");

        UUID oversized = UUID.randomUUID();
        String big = settlement(700, "\"blob\": \"" + "x".repeat(settings.maxEventBytes()) + "\"");
        ingest(oversized, "acme-bank", UUID.randomUUID(), big);
        expected.put(oversized, "PAYLOAD_TOO_LARGE");

        UUID invalid = UUID.randomUUID();
        ingest(invalid, "acme-bank", UUID.randomUUID(), "{\"type\": \"NOT_A_FINANCE_TYPE\", \"source\": \"x\"}");
        expected.put(invalid, "VALIDATION_FAILED");

        UUID next = ingest("acme-bank", settlement(800, ""));
        awaitState(next, "TRIAGED");

        await().atMost(Duration.ofSeconds(20)).until(() -> db.count(
                "SELECT count(*) FROM dead_letter WHERE event_id = ANY (?)", (Object) expected.keySet().toArray(UUID[]::new))
                == expected.size());
        Map<UUID, String> actual = db.rows("SELECT event_id, reason, status, consumer FROM dead_letter WHERE event_id = ANY (?)",
                (Object) expected.keySet().toArray(UUID[]::new)).stream()
                .collect(Collectors.toMap(r -> (UUID) r.get("event_id"), r -> (String) r.get("reason")));
        assertThat(actual).isEqualTo(expected);
        assertThat(db.count("SELECT count(*) FROM dead_letter WHERE event_id = ANY (?) AND status = 'PENDING' "
                + "AND consumer = 'exflow-intake' AND headers IS NOT NULL AND attempts = 1",
                (Object) expected.keySet().toArray(UUID[]::new))).isEqualTo(expected.size());
        // The foreign tenant's event neither touched nor revealed acme's exception.
        assertThat(db.count("SELECT count(*) FROM exception_record WHERE id = ? AND tenant_id = 'acme-bank'", acmeException))
                .isEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> TestKafka.readAll(settings.topics().deadletter()).stream()
                .filter(r -> r.header("ce_id") != null && expected.containsKey(UUID.fromString(r.header("ce_id"))))
                .filter(r -> expected.get(UUID.fromString(r.header("ce_id"))).equals(r.header("exflow_dl_reason")))
                .count() == expected.size());
        assertThat(counter("exflow.tenant.rejections", "worker", "exflow-intake") - rejectionsBefore).isEqualTo(4);
    }

    // ---- crashes and restarts -----------------------------------------------------------

    /**
     * The process "dies" right after its first commit: the hand-off to the relay throws, so nothing
     * is published and the consumer does not commit the offset (as if the process were gone).
     */
    static final class DiesAfterFirstCommit extends AfterCommit {
        private final java.util.concurrent.atomic.AtomicBoolean died = new java.util.concurrent.atomic.AtomicBoolean();

        DiesAfterFirstCommit(OutboxRelay relay, jakarta.transaction.TransactionSynchronizationRegistry transactions) {
            super(relay, transactions);
        }

        @Override
        public void committed(List<Outbox.Stored> rows) {
            if (died.compareAndSet(false, true)) {
                throw new IllegalStateException("process died after commit, before publish (simulated)");
            }
            super.committed(rows);
        }
    }

    @Test
    void crashBetweenCommitAndPublishLosesNothing() {
        double duplicatesBefore = counter("exflow.duplicates.skipped", "worker", "exflow-intake");
        QuarkusMock.installMockForType(new DiesAfterFirstCommit(relay, transactions), AfterCommit.class);
        UUID id = ingest("acme-bank", settlement(900, ""));
        // The commit happened, the publish did not: the sweeper must publish the outbox row,
        // and the redelivered record (its offset was never committed) must be a duplicate.
        await().atMost(Duration.ofSeconds(20)).until(() -> db.count(
                "SELECT count(*) FROM exception_record WHERE id = ?", id) == 1);
        awaitState(id, "TRIAGED");
        await().atMost(Duration.ofSeconds(10)).until(() -> counter("exflow.duplicates.skipped", "worker", "exflow-intake")
                > duplicatesBefore);
        assertThat(eventsOf(settings.topics().normalized(), id)).hasSize(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> eventsOf(settings.topics().triaged(), id).size() == 1);
        assertThat(db.count("SELECT count(*) FROM outbox")).isZero();
    }

    @Test
    void workerStoppedMidBatchAndRestartedNeitherLosesNorDoublesAnything() {
        int n = 600;
        List<UUID> ids = new ArrayList<>();
        runtime.stop(Duration.ofSeconds(20)); // build a backlog so the stop below lands mid-stream
        for (int i = 0; i < n; i++) {
            ids.add(ingest("acme-bank", settlement(10_000 + i, "")));
        }
        UUID[] idArray = ids.toArray(UUID[]::new);
        runtime.start();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> db.count(
                "SELECT count(*) FROM exception_record WHERE id = ANY (?)", (Object) idArray) >= 20);
        runtime.stop(Duration.ofSeconds(20));
        long atStop = db.count("SELECT count(*) FROM exception_record WHERE id = ANY (?)", (Object) idArray);
        runtime.start();

        await().atMost(Duration.ofSeconds(60)).until(() -> db.count(
                "SELECT count(*) FROM exception_record WHERE id = ANY (?) AND state = 'TRIAGED'", (Object) idArray) == n);
        assertThat(atStop).isLessThan(n);
        assertThat(db.count("SELECT count(*) FROM exception_record WHERE id = ANY (?)", (Object) idArray)).isEqualTo(n);
        assertThat(db.count("SELECT count(*) FROM exception_timeline WHERE exception_id = ANY (?) "
                + "AND event_type = 'exflow.exception.triaged'", (Object) idArray)).isEqualTo(n);
        await().atMost(Duration.ofSeconds(20)).until(() -> countByException(settings.topics().triaged(), ids).size() == n);
        Map<String, Long> normalized = countByException(settings.topics().normalized(), ids);
        Map<String, Long> triaged = countByException(settings.topics().triaged(), ids);
        assertThat(normalized).hasSize(n).allSatisfy((k, v) -> assertThat(v).isEqualTo(1));
        assertThat(triaged).hasSize(n).allSatisfy((k, v) -> assertThat(v).isEqualTo(1));
    }

    private Map<String, Long> countByException(String topic, List<UUID> ids) {
        var wanted = ids.stream().map(UUID::toString).collect(Collectors.toSet());
        return TestKafka.readAll(topic).stream().map(r -> r.header("ce_exceptionid")).filter(wanted::contains)
                .collect(Collectors.groupingBy(s -> s, Collectors.counting()));
    }

    // ---- transient failures and durable retries -----------------------------------------

    /** Holds an exclusive lock on exception_record so the app's statements hit lock_timeout: a real transient DB failure. */
    private Connection lockExceptionTable() throws Exception {
        Connection c = dataSource.getConnection();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("LOCK TABLE exception_record IN ACCESS EXCLUSIVE MODE");
        }
        return c;
    }

    private void release(Connection lock) throws Exception {
        lock.commit();
        lock.close();
    }

    @Test
    void aRecordBehindAWaitingRetryOfItsKeyIsParkedAndRunsAfterIt() throws Exception {
        UUID first = UUID.randomUUID();
        UUID firstException = UUID.randomUUID();
        String key = "acme-bank:" + firstException;
        UUID second = UUID.randomUUID();
        UUID secondException = UUID.randomUUID();
        // The first event's claim is held by an open transaction: its handling hits the lock timeout
        // and waits for a retry, while the second event's checks and claim touch nothing it holds.
        Connection lock = dataSource.getConnection();
        lock.setAutoCommit(false);
        try (PreparedStatement claim = lock.prepareStatement(
                "INSERT INTO processed_event (consumer, event_id, processed_at) VALUES ('exflow-intake', ?, ?)")) {
            claim.setObject(1, first);
            claim.setTimestamp(2, java.sql.Timestamp.from(IdempotencyClaims.claimTime(Instant.now())));
            claim.executeUpdate();
        }
        try {
            ingest(first, "acme-bank", firstException, settlement(1_150, ""));
            await().atMost(Duration.ofSeconds(20)).until(() -> db.count(
                    "SELECT count(*) FROM retry_schedule WHERE event_id = ? AND origin = 'RETRY'", first) == 1);
            // Another exception's event on the same key: it must not overtake the first one.
            TestKafka.send(settings.topics().ingested(), key, TestEvents.headers(second, INGESTED, "acme-bank", secondException),
                    TestEvents.json(settlement(1_160, "")));
            await().atMost(Duration.ofSeconds(20)).until(() -> db.count(
                    "SELECT count(*) FROM retry_schedule WHERE event_id = ? AND origin = 'PARKED'", second) == 1);
            assertThat(db.count("SELECT count(*) FROM processed_event WHERE consumer = 'exflow-intake' AND event_id = ?", second))
                    .isZero();
        } finally {
            lock.rollback();
            lock.close();
        }
        awaitState(firstException, "TRIAGED");
        awaitState(secondException, "TRIAGED");
        List<Map<String, Object>> normalized = db.rows("SELECT exception_id FROM exception_timeline "
                + "WHERE event_type = 'exflow.exception.normalized' AND exception_id IN (?, ?) ORDER BY id", firstException,
                secondException);
        assertThat(normalized).extracting(r -> r.get("exception_id")).containsExactly(firstException, secondException);
        assertThat(db.count("SELECT count(*) FROM retry_schedule WHERE event_id IN (?, ?)", first, second)).isZero();
        assertThat(db.count("SELECT count(*) FROM dead_letter WHERE event_id IN (?, ?)", first, second)).isZero();
    }

    @Test
    void transientDbFailureIsRetriedThenSucceeds() throws Exception {
        double retriesBefore = counter("exflow.retries.scheduled", "worker", "exflow-intake", "type", INGESTED);
        Connection lock = lockExceptionTable();
        UUID eventId = UUID.randomUUID();
        UUID id = ingest(eventId, "acme-bank", UUID.randomUUID(), settlement(1_100, ""));
        await().atMost(Duration.ofSeconds(20)).until(() -> db.count(
                "SELECT count(*) FROM retry_schedule WHERE event_id = ? AND origin = 'RETRY'", eventId) == 1);
        release(lock);
        awaitState(id, "TRIAGED");
        assertThat(db.count("SELECT count(*) FROM retry_schedule WHERE event_id = ?", eventId)).isZero();
        assertThat(db.count("SELECT count(*) FROM dead_letter WHERE event_id = ?", eventId)).isZero();
        assertThat(counter("exflow.retries.scheduled", "worker", "exflow-intake", "type", INGESTED)).isGreaterThan(retriesBefore);
    }

    @Test
    void persistentDbFailureIsDeadLetteredAfterTheConfiguredAttempts() throws Exception {
        Connection lock = lockExceptionTable();
        UUID eventId = UUID.randomUUID();
        try {
            ingest(eventId, "acme-bank", UUID.randomUUID(), settlement(1_200, ""));
            await().atMost(Duration.ofSeconds(40)).until(() -> db.count(
                    "SELECT count(*) FROM dead_letter WHERE event_id = ?", eventId) == 1);
        } finally {
            release(lock);
        }
        Map<String, Object> dl = db.rows("SELECT reason, attempts, error FROM dead_letter WHERE event_id = ?", eventId).get(0);
        assertThat(dl).containsEntry("reason", "RETRIES_EXHAUSTED")
                .containsEntry("attempts", settings.retry().maxAttemptsFor(INGESTED));
        assertThat(dl.get("error").toString()).contains("lock");
        assertThat(db.count("SELECT count(*) FROM retry_schedule WHERE event_id = ?", eventId)).isZero();
    }

    @Test
    void retryPendingWhenTheWorkerRestartsStillRuns() throws Exception {
        Connection lock = lockExceptionTable();
        UUID eventId = UUID.randomUUID();
        UUID id = ingest(eventId, "acme-bank", UUID.randomUUID(), settlement(1_300, ""));
        await().atMost(Duration.ofSeconds(20)).until(() -> db.count(
                "SELECT count(*) FROM retry_schedule WHERE event_id = ?", eventId) == 1);
        runtime.stop(Duration.ofSeconds(20));
        release(lock);
        Thread.sleep(1_500); // the retry is due now, and no worker is running
        assertThat(db.count("SELECT count(*) FROM exception_record WHERE id = ?", id)).isZero();
        runtime.start();
        awaitState(id, "TRIAGED");
        assertThat(db.count("SELECT count(*) FROM retry_schedule WHERE event_id = ?", eventId)).isZero();
    }

    @Test
    void deadLetterReplayedAfterItsCauseIsFixedCompletesOnlyThroughTheConsumerThatFailed() throws Exception {
        Connection lock = lockExceptionTable(); // the cause: intake cannot write
        UUID eventId = UUID.randomUUID();
        UUID id;
        try {
            id = ingest(eventId, "acme-bank", UUID.randomUUID(), settlement(1_400, ""));
            await().atMost(Duration.ofSeconds(40)).until(() -> db.count(
                    "SELECT count(*) FROM dead_letter WHERE event_id = ? AND status = 'PENDING'", eventId) == 1);
        } finally {
            release(lock); // the cause is fixed
        }
        long deadLetterId = (Long) db.rows("SELECT id FROM dead_letter WHERE event_id = ?", eventId).get(0).get("id");
        long onTopicBefore = TestKafka.readAll(settings.topics().ingested()).stream()
                .filter(r -> eventId.toString().equals(r.header("ce_id"))).count();

        io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().run(() -> deadLetters.replay(deadLetterId, "ops-1", "lock released"));

        awaitState(id, "TRIAGED");
        assertThat(db.rows("SELECT status, status_actor FROM dead_letter WHERE id = ?", deadLetterId).get(0))
                .containsEntry("status", "REPLAYED").containsEntry("status_actor", "ops-1");
        // Replayed through intake's own retry schedule: nothing was re-published for every group to see.
        assertThat(TestKafka.readAll(settings.topics().ingested()).stream()
                .filter(r -> eventId.toString().equals(r.header("ce_id"))).count()).isEqualTo(onTopicBefore);
        assertThat(db.rows("SELECT consumer FROM processed_event WHERE event_id = ?", eventId))
                .extracting(r -> r.get("consumer")).containsExactly("exflow-intake");
        assertThat(db.count("SELECT count(*) FROM retry_schedule WHERE event_id = ?", eventId)).isZero();
    }
}

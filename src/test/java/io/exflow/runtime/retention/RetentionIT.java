package io.exflow.runtime.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.exflow.runtime.config.ExflowSettings;
import io.exflow.runtime.delivery.IdempotencyClaims;
import io.exflow.testing.Db;
import io.exflow.testing.ExflowTestResources;
import io.exflow.testing.TestEvents;
import io.exflow.testing.TestKafka;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/**
 * The retention job against the real partitioned tables of a freshly migrated schema, with the
 * intake worker running on the in-process Kafka: time is moved forward by passing later instants
 * to {@link Retention#runOnce}, and the test looks at which partitions and rows are left and
 * whether duplicates are still refused.
 */
@QuarkusTest
@QuarkusTestResource(ExflowTestResources.class)
@TestProfile(RetentionIT.IntakeOnly.class)
class RetentionIT {
    public static final class IntakeOnly implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // The scheduled run (real time) stays out of the way after its first pass.
            return Map.of("exflow.worker-type", "intake", "exflow.retention.interval", "PT1H",
                    "exflow.retention.batch-size", "2");
        }
    }

    static final String CONSUMER = "exflow-intake";

    @Inject
    DataSource dataSource;
    @Inject
    Retention retention;
    @Inject
    IdempotencyClaims claims;
    @Inject
    ExflowSettings settings;
    @Inject
    MeterRegistry registry;

    Db db;

    @BeforeEach
    void connect() {
        db = new Db(dataSource);
    }

    Retention.Report run(Instant now) {
        AtomicReference<Retention.Report> report = new AtomicReference<>();
        // The scheduled pass may hold the lock for a moment: then this one is skipped; try again.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            report.set(retention.runOnce(now));
            return report.get().ran();
        });
        return report.get();
    }

    List<String> partitions(String table) {
        return db.rows("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                + "WHERE i.inhparent = ?::regclass ORDER BY 1", table).stream().map(r -> (String) r.get("relname")).toList();
    }

    long claimRows(UUID eventId) {
        return db.count("SELECT count(*) FROM processed_event WHERE consumer = ? AND event_id = ?", CONSUMER, eventId);
    }

    double duplicatesSkipped() {
        Counter c = registry.find("exflow.duplicates.skipped").tags("worker", CONSUMER).counter();
        return c == null ? 0 : c.count();
    }

    static Timestamp ts(Instant at) {
        return Timestamp.from(at);
    }

    void ingest(UUID eventId, UUID exceptionId) {
        String payload = """
                {"type": "settlement_failed", "source": "core-banking", "entity": "STL-1", "amount": 100,
                 "currency": "usd", "timestamp": "%s", "settlementId": "S-1"}
                """.formatted(OffsetDateTime.now().minusMinutes(3));
        TestKafka.send(settings.topics().ingested(), "acme-bank:" + exceptionId,
                TestEvents.headers(eventId, "exflow.exception.ingested", "acme-bank", exceptionId), TestEvents.json(payload));
    }

    void insertException(UUID id, Instant ingestedAt, Instant closedAt) {
        db.execute("INSERT INTO exception_record (id, tenant_id, state, exception_type, ingested_at, payload, closed_at, "
                + "close_outcome) VALUES (?, 'acme-bank', ?, 'SETTLEMENT_FAILED', ?, '{}'::jsonb, ?, ?)", id,
                closedAt == null ? "TRIAGED" : "CLOSED", ts(ingestedAt), closedAt == null ? null : ts(closedAt),
                closedAt == null ? null : "RESOLVED");
        db.execute("INSERT INTO exception_timeline (exception_id, tenant_id, event_type, actor, at) "
                + "VALUES (?, 'acme-bank', 'exflow.exception.normalized', 'intake', ?)", id, ts(ingestedAt));
        db.execute("INSERT INTO playbook_run (exception_id, tenant_id, playbook_id, status, auto_approved) "
                + "VALUES (?, 'acme-bank', 'pb', 'SUCCEEDED', true)", id);
        db.execute("INSERT INTO tool_execution (job_id, exception_id, tenant_id, tool, attempt, worker, status, started_at) "
                + "VALUES (?, ?, 'acme-bank', 'tool', 1, 'w', 'SUCCEEDED', ?)", UUID.randomUUID(), id, ts(ingestedAt));
        db.execute("INSERT INTO sla_alert (exception_id, kind, tenant_id, sla_deadline, detected_at) "
                + "VALUES (?, 'BREACHED', 'acme-bank', ?, ?)", id, ts(ingestedAt), ts(ingestedAt));
        if (closedAt != null) {
            db.execute("INSERT INTO exception_outcome (exception_id, tenant_id, exception_type, outcome, auto_resolved, "
                    + "closed_at, closed_event_id) VALUES (?, 'acme-bank', 'SETTLEMENT_FAILED', 'RESOLVED', true, ?, ?)",
                    id, ts(closedAt), UUID.randomUUID());
        }
    }

    long rowsOf(UUID exceptionId) {
        long n = 0;
        for (String table : List.of("exception_record", "playbook_run", "tool_execution", "sla_alert", "exception_outcome")) {
            n += db.count("SELECT count(*) FROM " + table + " WHERE " + (table.equals("exception_record") ? "id" : "exception_id")
                    + " = ?", exceptionId);
        }
        return n;
    }

    void insertDeadLetter(String status, Instant updatedAt) {
        db.execute("INSERT INTO dead_letter (consumer, topic, event_id, reason, error, attempts, status, headers, "
                + "created_at, updated_at) VALUES (?, 't', ?, 'SCHEMA_INVALID', 'e', 1, ?, '{}'::jsonb, ?, ?)",
                CONSUMER, UUID.randomUUID(), status, ts(updatedAt), ts(updatedAt));
    }

    @Test
    void oldPartitionsAndClosedHistoryGoWhileLiveDataAndDuplicateProtectionStay() throws Exception {
        Instant now = Instant.now();
        Instant cutoff = ((Timestamp) db.rows("SELECT cutoff FROM partition_cutover WHERE table_name = 'processed_event'")
                .get(0).get("cutoff")).toInstant();

        // Live: an exception through the real intake worker (its claim lands in the legacy partition,
        // which holds everything before the cut-over).
        UUID liveEvent = UUID.randomUUID();
        UUID liveException = UUID.randomUUID();
        ingest(liveEvent, liveException);
        await().atMost(Duration.ofSeconds(60)).until(() -> db.count(
                "SELECT count(*) FROM exception_record WHERE id = ? AND state = 'NORMALIZED'", liveException) == 1);
        assertThat(claimRows(liveEvent)).isEqualTo(1);

        // History: a claim from 20 days ago, an exception closed 100 days ago (with its per-exception
        // rows), one opened 100 days ago and still open, three closed 95 days ago (more than one batch),
        // and dead letters handled or pending for 100 days.
        UUID oldEvent = UUID.randomUUID();
        assertThat(claims.claimAll(CONSUMER, List.of(oldEvent), now.minus(20, ChronoUnit.DAYS))).containsExactly(oldEvent);
        UUID oldClosed = UUID.randomUUID();
        insertException(oldClosed, now.minus(101, ChronoUnit.DAYS), now.minus(100, ChronoUnit.DAYS));
        List<UUID> moreClosed = List.of(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID());
        for (UUID id : moreClosed) {
            insertException(id, now.minus(96, ChronoUnit.DAYS), now.minus(95, ChronoUnit.DAYS));
        }
        UUID recentlyClosed = UUID.randomUUID();
        insertException(recentlyClosed, now.minus(31, ChronoUnit.DAYS), now.minus(30, ChronoUnit.DAYS));
        UUID oldOpen = UUID.randomUUID();
        insertException(oldOpen, now.minus(100, ChronoUnit.DAYS), null);
        insertDeadLetter("DISCARDED", now.minus(100, ChronoUnit.DAYS));
        insertDeadLetter("REPLAYED", now.minus(100, ChronoUnit.DAYS));
        insertDeadLetter("PENDING", now.minus(100, ChronoUnit.DAYS));
        insertDeadLetter("DISCARDED", now.minus(10, ChronoUnit.DAYS));

        // Now: partitions exist ahead; closed history past 90 days is gone in batches, open and recent stay.
        // (The scheduled pass, on real time too, may have done part of this already: look at the rows.)
        Retention.Report first = run(now);
        assertThat(first.dropped()).isEmpty();
        assertThat(rowsOf(oldClosed)).isZero();
        moreClosed.forEach(id -> assertThat(rowsOf(id)).isZero());
        assertThat(rowsOf(recentlyClosed)).isEqualTo(5);
        assertThat(rowsOf(oldOpen)).isEqualTo(4);
        assertThat(db.count("SELECT count(*) FROM dead_letter")).isEqualTo(2);
        assertThat(db.count("SELECT count(*) FROM dead_letter WHERE status = 'PENDING'")).isEqualTo(1);
        String aheadDay = "processed_event_p" + java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd")
                .withZone(java.time.ZoneOffset.UTC).format(now.plus(Retention.AHEAD).truncatedTo(ChronoUnit.DAYS));
        assertThat(partitions("processed_event")).contains("processed_event_legacy", aheadDay);
        assertThat(claimRows(oldEvent)).isEqualTo(1);

        // The live event delivered again is refused by its claim.
        double duplicatesBefore = duplicatesSkipped();
        ingest(liveEvent, liveException);
        await().atMost(Duration.ofSeconds(60)).until(() -> duplicatesSkipped() > duplicatesBefore);
        assertThat(db.count("SELECT count(*) FROM exception_timeline WHERE exception_id = ? "
                + "AND event_type = 'exflow.exception.normalized'", liveException)).isEqualTo(1);

        // A day after the cut-over, a claim in the first daily partition.
        UUID dayOneEvent = UUID.randomUUID();
        assertThat(claims.claimAll(CONSUMER, List.of(dayOneEvent), cutoff.plus(12, ChronoUnit.HOURS)))
                .containsExactly(dayOneEvent);

        // A week after the cut-over: the legacy claims partition is past RETENTION_CLAIMS and dropped
        // whole; the first daily partition is not, and its claim still refuses a duplicate.
        Instant weekLater = cutoff.plus(7, ChronoUnit.DAYS).plus(1, ChronoUnit.HOURS);
        Retention.Report second = run(weekLater);
        assertThat(second.dropped()).contains("processed_event_legacy").noneMatch(p -> p.startsWith("exception_timeline"));
        assertThat(partitions("processed_event")).doesNotContain("processed_event_legacy")
                .contains("processed_event_p" + java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd")
                        .withZone(java.time.ZoneOffset.UTC).format(cutoff));
        assertThat(claimRows(oldEvent)).isZero();
        assertThat(claimRows(liveEvent)).isZero();
        assertThat(claimRows(dayOneEvent)).isEqualTo(1);
        assertThat(claims.claimAll(CONSUMER, List.of(dayOneEvent), weekLater)).isEmpty();
        UUID weekEvent = UUID.randomUUID();
        assertThat(claims.claimAll(CONSUMER, List.of(weekEvent), weekLater)).containsExactly(weekEvent);
        assertThat(claims.claimAll(CONSUMER, List.of(weekEvent), weekLater.plus(1, ChronoUnit.MINUTES))).isEmpty();
        // Live rows of other tables are untouched; the timeline keeps its 90 days.
        assertThat(db.count("SELECT count(*) FROM exception_record WHERE id = ?", liveException)).isEqualTo(1);
        assertThat(db.count("SELECT count(*) FROM exception_timeline WHERE exception_id = ?", liveException)).isPositive();

        // Two deliveries in flight on either side of midnight: one claims at 23:59:59 and has not
        // committed; the other, a minute after midnight, must not pass.
        Instant midnight = weekLater.truncatedTo(ChronoUnit.DAYS).plus(1, ChronoUnit.DAYS);
        UUID racedEvent = UUID.randomUUID();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (Connection other = dataSource.getConnection()) {
            other.setAutoCommit(false);
            try (PreparedStatement ps = other.prepareStatement(
                    "INSERT INTO processed_event (consumer, event_id, processed_at) VALUES (?, ?, ?)")) {
                ps.setString(1, CONSUMER);
                ps.setObject(2, racedEvent);
                ps.setTimestamp(3, ts(IdempotencyClaims.claimTime(midnight.minusSeconds(1))));
                ps.executeUpdate();
            }
            Future<Set<UUID>> late = pool.submit(() -> claims.claimAll(CONSUMER, List.of(racedEvent),
                    midnight.plus(1, ChronoUnit.MINUTES)));
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> late.isDone()
                    || db.count("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                            + "AND query LIKE 'INSERT INTO processed_event%'") > 0);
            other.commit();
            try {
                assertThat(late.get()).isEmpty();
            } catch (ExecutionException e) {
                // Or it gave up waiting (lock_timeout): the handler's retry then finds the committed claim.
                assertThat(rootCause(e)).isInstanceOf(SQLException.class);
                assertThat(((SQLException) rootCause(e)).getSQLState()).isEqualTo("55P03");
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(claims.claimAll(CONSUMER, List.of(racedEvent), midnight.plus(2, ChronoUnit.MINUTES))).isEmpty();
        assertThat(claimRows(racedEvent)).isEqualTo(1);

        // Ninety days on, the timeline's legacy partition is dropped whole too (an exception open that
        // long keeps its record, not its oldest timeline entries: docs/scaling.md).
        long idsBefore = db.count("SELECT last_value FROM exception_timeline_id_seq");
        Retention.Report third = run(cutoff.plus(91, ChronoUnit.DAYS));
        assertThat(third.dropped()).contains("exception_timeline_legacy");
        assertThat(partitions("exception_timeline")).doesNotContain("exception_timeline_legacy").isNotEmpty();
        assertThat(db.count("SELECT count(*) FROM exception_record WHERE id IN (?, ?)", liveException, oldOpen)).isEqualTo(2);
        assertThat(claimRows(dayOneEvent)).isZero();
        // New timeline entries still get ids from the sequence the legacy table used to own.
        db.execute("INSERT INTO exception_timeline (exception_id, tenant_id, event_type, actor, at) "
                + "VALUES (?, 'acme-bank', 'x', 'test', ?)", liveException, ts(cutoff.plus(91, ChronoUnit.DAYS)));
        assertThat(db.count("SELECT count(*) FROM exception_timeline WHERE exception_id = ?", liveException)).isEqualTo(1);
        assertThat(db.count("SELECT max(id) FROM exception_timeline")).isGreaterThan(idsBefore);
    }

    @Test
    void theBatchIndexIsBuiltWhileLongerTransactionsThanTheLockTimeoutAreOpen() throws Exception {
        db.execute("DROP INDEX IF EXISTS exception_record_closed");
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (Connection other = dataSource.getConnection()) {
            // A writer's transaction, open while the concurrent build starts: the build must wait for it.
            other.setAutoCommit(false);
            try (Statement s = other.createStatement()) {
                s.execute("LOCK TABLE exception_record IN ROW EXCLUSIVE MODE"); // what every writer of the table holds
            }
            Future<Retention.Report> building = pool.submit(() -> run(Instant.now()));
            // Held past the pool's lock_timeout (1 s in tests), which used to cancel the build.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> db.count(
                    "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'CREATE INDEX CONCURRENTLY%' "
                            + "AND state = 'active' AND now() - query_start > interval '2 seconds'") > 0);
            other.commit();
            assertThat(building.get(60, java.util.concurrent.TimeUnit.SECONDS).ran()).isTrue();
        } finally {
            pool.shutdownNow();
        }
        assertThat(db.count("SELECT count(*) FROM pg_index WHERE indexrelid = to_regclass('exception_record_closed') "
                + "AND indisvalid")).isEqualTo(1);
    }

    static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}

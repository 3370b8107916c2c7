package io.exflow.pipeline;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.exflow.domain.events.Decided;
import io.exflow.ingest.Ingestion;
import io.exflow.runtime.Emission;
import io.exflow.runtime.EventPublisher;
import io.exflow.runtime.event.EventKind;
import io.exflow.testing.Db;
import io.quarkus.narayana.jta.QuarkusTransaction;

/** Ingests exceptions the way the api does and waits for their outcome in the database. */
final class PipelineFixture {
    final Db db;
    private final Ingestion ingestion;
    private final EventPublisher publisher;
    private final ObjectMapper mapper;

    PipelineFixture(DataSource dataSource, Ingestion ingestion, EventPublisher publisher, ObjectMapper mapper) {
        this.db = new Db(dataSource);
        this.ingestion = ingestion;
        this.publisher = publisher;
        this.mapper = mapper;
    }

    UUID ingest(String tenant, String json) {
        try {
            return ingestion.ingest(tenant, mapper.readTree(json), "test").exceptionId();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    UUID settlement(long amount) {
        return ingest("acme-bank", """
                {"type": "SETTLEMENT_FAILED", "source": "core-banking", "entity": "STL-%d", "amount": %d, "currency": "USD",
                 "timestamp": "%s", "settlementId": "S-%d"}""".formatted(amount, amount, OffsetDateTime.now().minusMinutes(2), amount));
    }

    String awaitState(UUID id, String... states) {
        List<String> wanted = List.of(states);
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(100)).until(() -> {
            List<Map<String, Object>> rows = db.rows("SELECT state FROM exception_record WHERE id = ?", id);
            return !rows.isEmpty() && wanted.contains(rows.get(0).get("state"));
        });
        return (String) db.rows("SELECT state FROM exception_record WHERE id = ?", id).get(0).get("state");
    }

    Map<String, Object> record(UUID id) {
        return db.rows("SELECT * FROM exception_record WHERE id = ?", id).get(0);
    }

    List<String> timeline(UUID id) {
        return db.rows("SELECT event_type FROM exception_timeline WHERE exception_id = ? ORDER BY id", id).stream()
                .map(r -> (String) r.get("event_type")).toList();
    }

    /** A person's answer, as the api publishes it. */
    void answer(UUID id, String tenant, boolean approve) {
        QuarkusTransaction.requiringNew().run(() -> publisher.publish(Emission.of(EventKind.EXCEPTION_DECIDED,
                new Decided(approve ? Decided.Decision.APPROVED : Decided.Decision.REJECTED, null, List.of("test"), "approver-1"))
                .about(tenant, id).by("api")));
    }
}

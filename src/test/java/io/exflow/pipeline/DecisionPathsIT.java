package io.exflow.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.exflow.ingest.Ingestion;
import io.exflow.runtime.EventPublisher;
import io.exflow.testing.ExflowTestResources;
import io.exflow.testing.Roles;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/**
 * Every policy decision path, ingestion to closing, on real Kafka, PostgreSQL and Redis (tool
 * jobs travel on the Redis queues): the exception ends in the right state with a complete,
 * ordered timeline.
 */
@QuarkusTest
@QuarkusTestResource(ExflowTestResources.class)
@TestProfile(Roles.Pipeline.class)
class DecisionPathsIT {
    static final String INGESTED = "exflow.exception.ingested";
    static final String NORMALIZED = "exflow.exception.normalized";
    static final String TRIAGED = "exflow.exception.triaged";
    static final String DECIDED = "exflow.exception.decided";
    static final String JOB = "exflow.tool.job";
    static final String RESULT = "exflow.tool.result";
    static final String CLOSED = "exflow.exception.closed";

    @Inject
    DataSource dataSource;
    @Inject
    Ingestion ingestion;
    @Inject
    EventPublisher publisher;
    @Inject
    ObjectMapper mapper;

    PipelineFixture pipeline;

    @BeforeEach
    void setUp() {
        pipeline = new PipelineFixture(dataSource, ingestion, publisher, mapper);
    }

    @Test
    void autoApprovedRunsBothToolStepsAndResolves() {
        UUID id = pipeline.settlement(12_000);
        assertThat(pipeline.awaitState(id, "RESOLVED", "ESCALATED", "BLOCKED")).isEqualTo("RESOLVED");
        assertThat(pipeline.record(id)).containsEntry("decision", "AUTO_APPROVED").containsEntry("playbook_id", "retry-settlement")
                .containsEntry("close_outcome", "RESOLVED");
        assertThat(pipeline.timeline(id)).containsExactly(INGESTED, NORMALIZED, TRIAGED, DECIDED, JOB, RESULT, JOB, RESULT, CLOSED);
        assertThat(pipeline.db.rows("SELECT tool, attempt, status FROM tool_execution WHERE exception_id = ? ORDER BY started_at", id))
                .extracting(r -> r.get("tool") + "#" + r.get("attempt") + ":" + r.get("status"))
                .containsExactly("settlement.retry#1:SUCCEEDED", "ledger.reconcile#1:SUCCEEDED");
        assertThat(pipeline.db.rows("SELECT status, auto_approved FROM playbook_run WHERE exception_id = ?", id).get(0))
                .containsEntry("status", "SUCCEEDED").containsEntry("auto_approved", true);
    }

    @Test
    void needsApprovalThenApprovedResolves() {
        UUID id = pipeline.settlement(120_000); // acme-bank's large-settlement approval rule
        assertThat(pipeline.awaitState(id, "AWAITING_APPROVAL")).isEqualTo("AWAITING_APPROVAL");
        assertThat(pipeline.record(id)).containsEntry("decision", "NEEDS_APPROVAL");
        pipeline.answer(id, "acme-bank", true);
        assertThat(pipeline.awaitState(id, "RESOLVED", "ESCALATED")).isEqualTo("RESOLVED");
        assertThat(pipeline.timeline(id)).containsExactly(INGESTED, NORMALIZED, TRIAGED, DECIDED, DECIDED, JOB, RESULT, JOB,
                RESULT, CLOSED);
        assertThat(pipeline.db.rows("SELECT auto_approved FROM playbook_run WHERE exception_id = ?", id).get(0))
                .containsEntry("auto_approved", false);
    }

    @Test
    void needsApprovalThenRejectedEscalates() {
        UUID id = pipeline.settlement(130_000);
        pipeline.awaitState(id, "AWAITING_APPROVAL");
        pipeline.answer(id, "acme-bank", false);
        assertThat(pipeline.awaitState(id, "RESOLVED", "ESCALATED")).isEqualTo("ESCALATED");
        assertThat(pipeline.record(id).get("close_reason").toString()).contains("approval rejected");
        assertThat(pipeline.timeline(id)).containsExactly(INGESTED, NORMALIZED, TRIAGED, DECIDED, DECIDED, CLOSED);
        assertThat(pipeline.db.count("SELECT count(*) FROM tool_execution WHERE exception_id = ?", id)).isZero();
    }

    @Test
    void blockedTypeIsClosedAsBlocked() {
        UUID id = pipeline.ingest("acme-bank", """
                {"type": "SANCTIONS_HIT", "source": "screening", "entity": "CP-1", "timestamp": "%s",
                 "screeningId": "SCR-9", "listName": "OFAC"}""".formatted(OffsetDateTime.now().minusMinutes(1)));
        assertThat(pipeline.awaitState(id, "BLOCKED", "ESCALATED", "RESOLVED")).isEqualTo("BLOCKED");
        assertThat(pipeline.record(id).get("close_reason").toString()).contains("blocked");
        assertThat(pipeline.timeline(id)).containsExactly(INGESTED, NORMALIZED, TRIAGED, "exflow.policy.decision", CLOSED);
    }

    @Test
    void criticalOrUnplaybookedIsEscalated() {
        UUID id = pipeline.ingest("acme-bank", """
                {"type": "LEDGER_BREAK", "source": "gl", "entity": "GL-7", "amount": 5000, "currency": "USD",
                 "timestamp": "%s", "ledgerAccount": "4000-11"}""".formatted(OffsetDateTime.now().minusMinutes(1)));
        assertThat(pipeline.awaitState(id, "BLOCKED", "ESCALATED", "RESOLVED")).isEqualTo("ESCALATED");
        assertThat(pipeline.record(id)).containsEntry("decision", "ESCALATE");
        assertThat(pipeline.timeline(id)).containsExactly(INGESTED, NORMALIZED, TRIAGED, "exflow.policy.decision", CLOSED);
    }

    @Test
    void toolFailingPastItsRetriesEscalates() {
        UUID id = pipeline.ingest("qa-corp", """
                {"type": "FLAKY_TASK", "source": "qa", "entity": "T-1", "timestamp": "%s"}"""
                .formatted(OffsetDateTime.now().minusMinutes(1)));
        assertThat(pipeline.awaitState(id, "RESOLVED", "ESCALATED")).isEqualTo("ESCALATED");
        assertThat(pipeline.record(id).get("close_reason").toString()).contains("broken.tool failed after 2 attempts");
        assertThat(pipeline.timeline(id)).containsExactly(INGESTED, NORMALIZED, TRIAGED, DECIDED, JOB, RESULT, JOB, RESULT, CLOSED);
        assertThat(pipeline.db.rows("SELECT attempt, status FROM tool_execution WHERE exception_id = ? ORDER BY attempt", id))
                .extracting(r -> r.get("attempt") + ":" + r.get("status")).containsExactly("1:FAILED", "2:FAILED");
        assertThat(pipeline.db.rows("SELECT status FROM playbook_run WHERE exception_id = ?", id).get(0))
                .containsEntry("status", "FAILED");
    }

    @Test
    void closedEventsCarryTheOutcome() {
        UUID id = pipeline.settlement(13_000);
        pipeline.awaitState(id, "RESOLVED");
        List<io.exflow.testing.TestKafka.Received> closed = io.exflow.testing.TestKafka.readAll("exflow.exceptions.closed")
                .stream().filter(r -> id.toString().equals(r.header("ce_exceptionid"))).toList();
        assertThat(closed).hasSize(1);
        assertThat(closed.get(0).valueText()).contains("\"outcome\":\"RESOLVED\"", "\"autoResolved\":true",
                "\"toolsUsed\":[\"settlement.retry\",\"ledger.reconcile\"]");
    }
}

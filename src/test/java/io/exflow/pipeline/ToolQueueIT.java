package io.exflow.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.exflow.ingest.Ingestion;
import io.exflow.runtime.EventPublisher;
import io.exflow.runtime.config.ExflowSettings;
import io.exflow.runtime.config.WorkerRole;
import io.exflow.runtime.delivery.DeliveryEngine;
import io.exflow.runtime.delivery.Subscriber;
import io.exflow.runtime.event.EventKind;
import io.exflow.runtime.metrics.ExflowMetrics;
import io.exflow.runtime.redis.RedisKeys;
import io.exflow.runtime.redis.ReliableQueueLoop;
import io.exflow.testing.ExflowTestResources;
import io.exflow.testing.Roles;
import io.exflow.worker.tool.ToolHandler;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.list.Position;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/**
 * The Redis tool queue under worker death. This profile runs no tool role, so the test plays
 * the tool workers: a "dead" one that took a job and vanished, and a live one started here.
 */
@QuarkusTest
@QuarkusTestResource(ExflowTestResources.class)
@TestProfile(Roles.PipelineWithoutTool.class)
class ToolQueueIT {
    @Inject
    DataSource dataSource;
    @Inject
    Ingestion ingestion;
    @Inject
    EventPublisher publisher;
    @Inject
    ObjectMapper mapper;
    @Inject
    ExflowSettings settings;
    @Inject
    RedisDataSource redis;
    @Inject
    RedisKeys keys;
    @Inject
    DeliveryEngine engine;
    @Inject
    ExflowMetrics metrics;
    @Inject
    ToolHandler toolHandler;

    PipelineFixture pipeline;
    ExecutorService lanes;
    ReliableQueueLoop liveWorker;

    @BeforeEach
    void setUp() {
        pipeline = new PipelineFixture(dataSource, ingestion, publisher, mapper);
        lanes = Executors.newFixedThreadPool(2);
    }

    @AfterEach
    void tearDown() {
        if (liveWorker != null) {
            liveWorker.stop(Duration.ofSeconds(10));
        }
        lanes.shutdownNow();
    }

    private String queue(String name) {
        return keys.key(name);
    }

    /** A tool worker like the tool role's, on a thread of the test. */
    private ReliableQueueLoop startToolWorker() {
        Subscriber subscriber = new Subscriber(WorkerRole.TOOL, "exflow-tool",
                Map.of(EventKind.TOOL_JOB.type(), toolHandler), lanes);
        ReliableQueueLoop loop = new ReliableQueueLoop(subscriber, settings.toolQueues().inPriorityOrder(), redis, keys,
                engine, metrics, mapper, settings.toolVisibilityTimeout());
        Thread t = new Thread(loop, "test-tool-worker");
        t.setDaemon(true);
        t.start();
        return loop;
    }

    /** Waits for the exception's first tool job on its queue and moves it into a dead worker's processing list. */
    private String stealJobIntoDeadWorker(String queue, String deadWorker) {
        String processing = queue(queue) + ":processing:" + deadWorker;
        await().atMost(Duration.ofSeconds(30)).until(() -> redis.list(String.class).llen(queue(queue)) > 0);
        String job = redis.list(String.class).lmove(queue(queue), processing, Position.RIGHT, Position.LEFT);
        assertThat(job).isNotNull();
        return processing;
    }

    @Test
    void jobOfAWorkerKilledWhileHoldingItIsReturnedAndExecutedOnce() {
        UUID id = pipeline.settlement(14_000); // MEDIUM severity: the default queue
        String processing = stealJobIntoDeadWorker(settings.toolQueues().defaultQueue(), "dead-worker-1");
        assertThat(redis.list(String.class).llen(processing)).isEqualTo(1);

        liveWorker = startToolWorker(); // no heartbeat for dead-worker-1: its job goes back and runs
        assertThat(pipeline.awaitState(id, "RESOLVED", "ESCALATED")).isEqualTo("RESOLVED");
        assertThat(redis.list(String.class).llen(processing)).isZero();
        assertThat(pipeline.db.rows("SELECT tool, attempt, status FROM tool_execution WHERE exception_id = ? ORDER BY started_at",
                id)).extracting(r -> r.get("tool") + "#" + r.get("attempt") + ":" + r.get("status"))
                .containsExactly("settlement.retry#1:SUCCEEDED", "ledger.reconcile#1:SUCCEEDED");
    }

    @Test
    void anAttemptInterruptedMidCallIsNotRunAgainButRetriedAsANewAttempt() {
        UUID id = pipeline.settlement(15_000);
        String processing = stealJobIntoDeadWorker(settings.toolQueues().defaultQueue(), "dead-worker-2");
        // The dead worker had claimed the attempt and was calling the tool when it died.
        String job = redis.list(String.class).lrange(processing, 0, 0).get(0);
        String jobId = readJobId(job);
        pipeline.db.execute("INSERT INTO tool_execution (job_id, exception_id, tenant_id, tool, attempt, worker, status) "
                + "VALUES (?::uuid, ?, 'acme-bank', 'settlement.retry', 1, 'dead-worker-2', 'STARTED')", jobId, id);

        liveWorker = startToolWorker();
        assertThat(pipeline.awaitState(id, "RESOLVED", "ESCALATED")).isEqualTo("RESOLVED");
        assertThat(pipeline.db.rows("SELECT tool, attempt, status FROM tool_execution WHERE exception_id = ? ORDER BY started_at",
                id)).extracting(r -> r.get("tool") + "#" + r.get("attempt") + ":" + r.get("status"))
                .containsExactly("settlement.retry#1:INTERRUPTED", "settlement.retry#2:SUCCEEDED", "ledger.reconcile#1:SUCCEEDED");
    }

    @Test
    void eachPoisonJobIsDeadLetteredEvenIdenticalOnesAndTheQueueMovesOn() {
        redis.list(String.class).lpush(queue(settings.toolQueues().low()), "{not a job", "{not a job");
        UUID id = pipeline.settlement(16_000);
        liveWorker = startToolWorker();
        assertThat(pipeline.awaitState(id, "RESOLVED", "ESCALATED")).isEqualTo("RESOLVED");
        await().atMost(Duration.ofSeconds(10)).until(() -> pipeline.db.count(
                "SELECT count(*) FROM dead_letter WHERE consumer = 'exflow-tool' AND reason = 'MALFORMED_EVENT'") == 2);
        assertThat(redis.list(String.class).llen(queue(settings.toolQueues().low()))).isZero();
    }

    private String readJobId(String job) {
        try {
            return mapper.readTree(job).path("data").path("jobId").asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aJobLostWithRedisIsSentAgainAndEachAttemptRunsOnce() {
        UUID id = pipeline.settlement(17_000);
        String queue = queue(settings.toolQueues().defaultQueue());
        await().atMost(Duration.ofSeconds(30)).until(() -> redis.list(String.class).llen(queue) > 0);
        redis.key().del(queue); // what a Redis restart without persistence does to a waiting job
        liveWorker = startToolWorker();
        assertThat(pipeline.awaitState(id, "RESOLVED", "ESCALATED")).isEqualTo("RESOLVED");
        assertThat(pipeline.db.rows("SELECT tool, attempt, status FROM tool_execution WHERE exception_id = ? ORDER BY started_at",
                id)).extracting(r -> r.get("tool") + "#" + r.get("attempt") + ":" + r.get("status"))
                .containsExactly("settlement.retry#1:SUCCEEDED", "ledger.reconcile#1:SUCCEEDED");
    }

    @Test
    void aSecondCopyOfAFinishedAttemptIsAnsweredWithItsResultNotRunAgain() {
        UUID id = pipeline.settlement(18_000);
        String queue = queue(settings.toolQueues().defaultQueue());
        await().atMost(Duration.ofSeconds(30)).until(() -> redis.list(String.class).llen(queue) > 0);
        String job = redis.list(String.class).lrange(queue, 0, 0).get(0);
        redis.list(String.class).lpush(queue, job); // the same job twice (a re-send that was not needed)
        liveWorker = startToolWorker();
        assertThat(pipeline.awaitState(id, "RESOLVED", "ESCALATED")).isEqualTo("RESOLVED");
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.list(String.class).llen(queue) == 0);
        assertThat(pipeline.db.rows("SELECT tool, attempt, status FROM tool_execution WHERE exception_id = ? ORDER BY started_at",
                id)).extracting(r -> r.get("tool") + "#" + r.get("attempt") + ":" + r.get("status"))
                .containsExactly("settlement.retry#1:SUCCEEDED", "ledger.reconcile#1:SUCCEEDED");
    }

    /**
     * With a backlog the worker takes the jobs as one batch (claims committed together, tools run
     * before the results' transaction). A job for an unknown tool in the middle fails that
     * transaction, so the batch is redone one job per transaction with the outcomes already
     * obtained: every attempt still runs once and only the poison job is dead-lettered.
     */
    @Test
    void aBatchWithAPoisonJobAmongItRunsEachAttemptOnceAndDeadLettersOnlyThePoison() throws Exception {
        String queue = queue(settings.toolQueues().defaultQueue());
        List<UUID> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 12; i++) {
            ids.add(pipeline.settlement(14_100 + i)); // MEDIUM severity: the default queue
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> redis.list(String.class).llen(queue) >= 12);
        com.fasterxml.jackson.databind.node.ObjectNode poison =
                (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(redis.list(String.class).lrange(queue, 0, 0).get(0));
        poison.put("id", UUID.randomUUID().toString());
        ((com.fasterxml.jackson.databind.node.ObjectNode) poison.get("data")).put("jobId", UUID.randomUUID().toString())
                .put("tool", "no.such.tool");
        redis.list(String.class).linsertBeforePivot(queue, redis.list(String.class).lrange(queue, 5, 5).get(0),
                mapper.writeValueAsString(poison)); // in the middle of the backlog, so it shares a batch

        long deadLettersBefore = pipeline.db.count("SELECT count(*) FROM dead_letter WHERE consumer = 'exflow-tool'");
        liveWorker = startToolWorker();
        for (UUID id : ids) {
            assertThat(pipeline.awaitState(id, "RESOLVED", "ESCALATED")).isEqualTo("RESOLVED");
            assertThat(pipeline.db.rows("SELECT tool, attempt, status FROM tool_execution WHERE exception_id = ? ORDER BY started_at",
                    id)).extracting(r -> r.get("tool") + "#" + r.get("attempt") + ":" + r.get("status"))
                    .containsExactly("settlement.retry#1:SUCCEEDED", "ledger.reconcile#1:SUCCEEDED");
        }
        assertThat(pipeline.db.count("SELECT count(*) FROM dead_letter WHERE consumer = 'exflow-tool' AND reason = 'VALIDATION_FAILED' "
                + "AND event_id = ?::uuid", poison.get("id").asText())).isEqualTo(1);
        assertThat(pipeline.db.count("SELECT count(*) FROM dead_letter WHERE consumer = 'exflow-tool'")).isEqualTo(deadLettersBefore + 1);
        assertThat(pipeline.db.count("SELECT count(*) FROM tool_execution WHERE tool = 'no.such.tool'")).isZero();
    }
}

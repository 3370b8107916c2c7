package io.exflow.api;

import static io.exflow.api.ApiTestSupport.as;
import static io.exflow.api.ApiTestSupport.settlement;
import static io.exflow.api.ApiTestSupport.submitOk;
import static io.exflow.api.ApiTestSupport.tokenFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import io.exflow.runtime.WorkerRuntime;
import io.exflow.runtime.config.ExflowSettings;
import io.exflow.runtime.config.WorkerRole;
import io.exflow.testing.Db;
import io.exflow.testing.ExflowTestResources;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * WORKER_TYPE=all: every role in one process. Exceptions go in through the api and come out
 * resolved or waiting for a person, who answers through the api; feedback records the outcome.
 */
@QuarkusTest
@QuarkusTestResource(ExflowTestResources.class)
class AllRolesIT {
    @Inject
    ExflowSettings settings;
    @Inject
    WorkerRuntime runtime;
    @Inject
    DataSource dataSource;
    @io.quarkus.test.common.http.TestHTTPResource(value = "/health/ready", management = true)
    java.net.URL ready;
    @io.quarkus.test.common.http.TestHTTPResource(value = "/metrics", management = true)
    java.net.URL metrics;

    @Test
    void everyRoleRunsAndAnExceptionGoesFromTheApiToItsOutcome() {
        Db db = new Db(dataSource);
        assertThat(settings.roles()).containsExactlyInAnyOrder(WorkerRole.values());
        assertThat(runtime.loops()).extracting(l -> l.subscriber().consumerGroup()).contains("exflow-intake", "exflow-triage",
                "exflow-policy", "exflow-playbook", "exflow-tool", "exflow-feedback");

        UUID auto = submitOk("acme-bank", settlement(12_500));
        UUID needsApproval = submitOk("acme-bank", settlement(140_000));
        await().atMost(Duration.ofSeconds(40)).until(() -> db.count(
                "SELECT count(*) FROM exception_record WHERE id = ? AND state = 'RESOLVED'", auto) == 1);
        await().atMost(Duration.ofSeconds(40)).until(() -> db.count(
                "SELECT count(*) FROM exception_record WHERE id = ? AND state = 'AWAITING_APPROVAL'", needsApproval) == 1);

        String approver = tokenFor("acme-bank", "approver");
        as(approver).contentType("application/json").body("{\"approve\": true, \"comment\": \"checked with treasury\"}")
                .post("/api/v1/tenants/{t}/exceptions/{id}/approval", "acme-bank", needsApproval).then().statusCode(200);
        await().atMost(Duration.ofSeconds(40)).until(() -> db.count(
                "SELECT count(*) FROM exception_record WHERE id = ? AND state = 'RESOLVED'", needsApproval) == 1);

        String state = as(tokenFor("acme-bank", "ingest")).get("/api/v1/tenants/{t}/exceptions/{id}", "acme-bank", auto)
                .then().statusCode(200).extract().path("state");
        assertThat(state).isEqualTo("RESOLVED");
        List<String> timeline = as(tokenFor("acme-bank", "operator"))
                .get("/api/v1/tenants/{t}/exceptions/{id}/timeline", "acme-bank", needsApproval)
                .then().statusCode(200).extract().path("eventType");
        assertThat(timeline).containsSubsequence("exflow.exception.ingested", "exflow.exception.normalized",
                "exflow.exception.triaged", "exflow.exception.decided", "exflow.exception.decided",
                "exflow.tool.job", "exflow.tool.result", "exflow.exception.closed");
        await().atMost(Duration.ofSeconds(20)).until(() -> db.count(
                "SELECT count(*) FROM exception_outcome WHERE exception_id IN (?, ?) AND outcome = 'RESOLVED'", auto,
                needsApproval) == 2);
        assertThat(db.rows("SELECT auto_resolved FROM exception_outcome WHERE exception_id = ?", auto).get(0))
                .containsEntry("auto_resolved", true);
        assertThat(db.rows("SELECT auto_resolved FROM exception_outcome WHERE exception_id = ?", needsApproval).get(0))
                .containsEntry("auto_resolved", false);
    }

    @Test
    void readinessCoversKafkaDatabaseAndRedisAndMetricsAreExported() {
        await().atMost(Duration.ofSeconds(30)).until(() -> io.restassured.RestAssured.get(ready).statusCode() == 200);
        String health = io.restassured.RestAssured.get(ready).then().statusCode(200).extract().asString();
        assertThat(health).contains("exflow-kafka", "exflow-redis", "Database connections health check", "\"UP\"")
                .doesNotContain("\"DOWN\"");
        submitOk("acme-bank", settlement(2_500));
        await().atMost(Duration.ofSeconds(30)).until(() -> io.restassured.RestAssured.get(metrics).asString()
                .contains("exflow_events_processed_total{"));
        await().atMost(Duration.ofSeconds(30)).until(() -> io.restassured.RestAssured.get(metrics).asString()
                .contains("exflow_dead_letters_pending"));
        String exported = io.restassured.RestAssured.get(metrics).asString();
        assertThat(exported).contains("exflow_event_processing_seconds_bucket", "exflow_events_in_flight",
                "exflow_outbox_backlog", "exflow_kafka_consumer_lag", "exflow_redis_queue_length");
    }
}

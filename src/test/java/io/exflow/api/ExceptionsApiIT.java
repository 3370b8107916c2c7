package io.exflow.api;

import static io.exflow.api.ApiTestSupport.ACME;
import static io.exflow.api.ApiTestSupport.MEDI;
import static io.exflow.api.ApiTestSupport.as;
import static io.exflow.api.ApiTestSupport.awaitState;
import static io.exflow.api.ApiTestSupport.awaitingApproval;
import static io.exflow.api.ApiTestSupport.settlement;
import static io.exflow.api.ApiTestSupport.submit;
import static io.exflow.api.ApiTestSupport.submitOk;
import static io.exflow.api.ApiTestSupport.tokenFor;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.exflow.runtime.config.ExflowSettings;
import io.exflow.runtime.redis.RedisKeys;
import io.exflow.testing.Db;
import io.exflow.testing.ExflowTestResources;
import io.exflow.testing.Roles;
import io.exflow.testing.TestKafka;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/**
 * Submitting, reading and approving exceptions over HTTP with WORKER_TYPE=api,intake,triage on
 * the real Kafka, PostgreSQL and Redis; assertions on status codes, problem bodies, DB rows,
 * topic records and Redis keys.
 */
@QuarkusTest
@QuarkusTestResource(ExflowTestResources.class)
@TestProfile(Roles.ApiIntakeAndTriage.class)
class ExceptionsApiIT {
    static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    DataSource dataSource;
    @Inject
    ExflowSettings settings;
    @Inject
    RedisDataSource redis;
    @Inject
    RedisKeys keys;

    @TestHTTPResource("/")
    URL publicUrl;

    Db db;

    @BeforeEach
    void setUp() {
        db = new Db(dataSource);
    }

    static void assertProblem(Response r, int status) {
        r.then().statusCode(status).contentType("application/problem+json")
                .body("status", equalTo(status)).body("type", startsWith("urn:exflow:problem:"));
        assertThat(r.jsonPath().getString("title")).isNotBlank();
        assertThat(r.jsonPath().getString("detail")).isNotBlank();
    }

    // ---- happy path ------------------------------------------------------------------------

    @Test
    void acceptedExceptionIsTriagedAndReadableWithItsTimeline() {
        Response r = submit(tokenFor(ACME, "ingest"), ACME, settlement(75_000));
        r.then().statusCode(202);
        UUID id = UUID.fromString(r.path("exceptionId"));
        UUID eventId = UUID.fromString(r.path("eventId"));
        assertThat(r.header("Location")).endsWith("/api/v1/tenants/acme-bank/exceptions/" + id);

        awaitState(db, id, "TRIAGED");
        assertThat(db.count("SELECT count(*) FROM exception_timeline WHERE exception_id = ? AND event_id = ? "
                + "AND event_type = 'exflow.exception.ingested' AND actor = 'api'", id, eventId)).isEqualTo(1);

        as(tokenFor(ACME, "operator")).get("/api/v1/tenants/{t}/exceptions/{id}", ACME, id).then().statusCode(200)
                .body("id", equalTo(id.toString())).body("state", equalTo("TRIAGED"))
                .body("severity", equalTo("HIGH")).body("exceptionType", equalTo("SETTLEMENT_FAILED"));
        Response timeline = as(tokenFor(ACME, "approver")).get("/api/v1/tenants/{t}/exceptions/{id}/timeline", ACME, id);
        timeline.then().statusCode(200);
        assertThat(timeline.jsonPath().getList("eventType", String.class)).containsExactly(
                "exflow.exception.ingested", "exflow.exception.normalized", "exflow.exception.triaged");
        List<Long> ids = timeline.jsonPath().getList("id", Long.class);
        assertThat(ids).isSorted();
        assertThat(timeline.jsonPath().getString("[0].detail")).isNull(); // the raw submission is never served
        assertThat(timeline.jsonPath().getString("[2].detail.severity")).isEqualTo("HIGH");
    }

    @Test
    void tokenMintedByBinDevTokenIsAccepted() throws Exception {
        Process p = new ProcessBuilder("bin/dev-token", "-s", "dana", "-t", ACME, "-g", "ingest").redirectErrorStream(true)
                .start();
        String token = new String(p.getInputStream().readAllBytes()).strip();
        assertThat(p.waitFor()).as(token).isZero();
        submit(token, ACME, settlement(8_100)).then().statusCode(202);
        assertProblem(submit(token, MEDI, settlement(8_101)), 403);
    }

    // ---- validation ------------------------------------------------------------------------

    @Test
    void invalidSubmissionsAre400ProblemsAndNothingIsAccepted() {
        String token = tokenFor(ACME, "ingest");
        long before = db.count("SELECT count(*) FROM exception_timeline WHERE tenant_id = ?", ACME);
        String deep = "{\"type\": \"x\", \"a\": " + "[".repeat(40) + "]".repeat(40) + "}";
        Map<String, String> bad = Map.of(
                "malformed", "{\"type\": \"settlement_failed\", ",
                "array", "[{\"type\": \"settlement_failed\"}]",
                "no type", "{\"source\": \"core\"}",
                "blank type", "{\"type\": \"  \"}",
                "numeric type", "{\"type\": 7}",
                "too deep", deep,
                "long field name", "{\"type\": \"x\", \"" + "k".repeat(200) + "\": 1}",
                "long type", "{\"type\": \"" + "t".repeat(300) + "\"}",
                "duplicate key", "{\"type\": \"a\", \"type\": \"b\"}",
                "trailing garbage", "{\"type\": \"a\"} {}");
        bad.forEach((why, body) -> {
            Response r = submit(token, ACME, body);
            assertThat(r.statusCode()).as(why).isEqualTo(400);
            assertProblem(r, 400);
        });
        assertProblem(as(token).contentType("application/json").post("/api/v1/tenants/{t}/exceptions", ACME), 400);
        assertProblem(as(token).contentType("text/plain").body("{\"type\": \"a\"}")
                .post("/api/v1/tenants/{t}/exceptions", ACME), 415);
        assertProblem(as(token).contentType("application/json").body("{\"type\": \"a\"}")
                .delete("/api/v1/tenants/{t}/exceptions", ACME), 405);
        assertProblem(as(token).header("Idempotency-Key", "bad key with spaces").contentType("application/json")
                .body(settlement(1)).post("/api/v1/tenants/{t}/exceptions", ACME), 400);
        assertProblem(as(tokenFor(ACME, "approver")).contentType("application/json").body("{\"approve\": ")
                .post("/api/v1/tenants/{t}/exceptions/{id}/approval", ACME, UUID.randomUUID()), 400);
        assertProblem(as(tokenFor(ACME)).get("/api/v1/tenants/{t}/exceptions/not-a-uuid", ACME), 404);
        assertProblem(as(tokenFor(ACME)).get("/api/v1/nowhere"), 404);
        assertThat(db.count("SELECT count(*) FROM exception_timeline WHERE tenant_id = ?", ACME)).isEqualTo(before);
    }

    @Test
    void unknownTenantIs404AndSuspendedTenantIs403() {
        String admin = DevTokens.token("platform", List.of("*"), List.of("ingest", "operator"));
        assertProblem(submit(admin, "no-such-tenant", settlement(1)), 404);
        assertProblem(submit(tokenFor("no-such-tenant"), "no-such-tenant", settlement(1)), 404);
        assertProblem(as(admin).get("/api/v1/tenants/no-such-tenant/dead-letters"), 404);
        Response suspended = submit(tokenFor("dormant-co"), "dormant-co", settlement(1));
        assertProblem(suspended, 403);
        assertThat(suspended.jsonPath().getString("type")).isEqualTo("urn:exflow:problem:tenant-suspended");
        // A token without the tenant does not learn whether it exists.
        assertThat(submit(tokenFor(ACME), "no-such-tenant", settlement(1)).jsonPath().getString("type"))
                .isEqualTo(submit(tokenFor(ACME), MEDI, settlement(1)).jsonPath().getString("type"))
                .isEqualTo("urn:exflow:problem:tenant-forbidden");
    }

    @Test
    void bodiesAboveTheLimitAre413WhetherDeclaredOrChunked() throws Exception {
        String big = "{\"type\": \"settlement_failed\", \"blob\": \"" + "x".repeat(70_000) + "\"}";
        assertProblem(submit(tokenFor(ACME, "ingest"), ACME, big), 413);

        HttpRequest chunked = HttpRequest.newBuilder(URI.create(publicUrl + "api/v1/tenants/acme-bank/exceptions"))
                .header("Authorization", "Bearer " + tokenFor(ACME, "ingest")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big.getBytes()))).build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(chunked, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(JSON.readTree(response.body()).path("status").asInt()).isEqualTo(413);

        StringBuilder justBelow = new StringBuilder("{\"type\": \"settlement_failed\"");
        for (int i = 0; i < 8; i++) { // 8 strings of 7,500 characters: each under the string limit, ~60 KB in all
            justBelow.append(", \"part").append(i).append("\": \"").append("x".repeat(7_500)).append('"');
        }
        justBelow.append('}');
        assertThat(justBelow.length()).isBetween(60_000, 65_536);
        submit(tokenFor(ACME, "ingest"), ACME, justBelow.toString()).then().statusCode(202);
    }

    // ---- rate limit ------------------------------------------------------------------------

    @Test
    void tenantRateLimitAnswers429WithRetryAfterFromRedisCounters() {
        String tenant = "throttled-co"; // 0.2 requests/s, burst 3 (src/test/resources/packs-api)
        String token = tokenFor(tenant, "ingest");
        for (int i = 0; i < 3; i++) {
            submit(token, tenant, settlement(100 + i)).then().statusCode(202);
        }
        Response limited = submit(token, tenant, settlement(200));
        assertProblem(limited, 429);
        int retryAfter = Integer.parseInt(limited.header("Retry-After"));
        assertThat(retryAfter).isBetween(1, 5);
        assertThat(redis.key().exists(keys.key("exflow:ratelimit:" + tenant))).isTrue();
        // Another tenant's bucket is its own.
        submit(tokenFor(ACME, "ingest"), ACME, settlement(300)).then().statusCode(202);
        // After Retry-After the bucket has a token again.
        await().pollDelay(Duration.ofSeconds(retryAfter)).atMost(Duration.ofSeconds(retryAfter + 5))
                .until(() -> submit(token, tenant, settlement(400)).statusCode() == 202);
    }

    // ---- idempotency -----------------------------------------------------------------------

    @Test
    void idempotencyKeyReturnsTheSameExceptionEvenUnderConcurrentRetries() throws Exception {
        String token = tokenFor(ACME, "ingest");
        String body = settlement(5_000);
        String key = "order-" + UUID.randomUUID();
        Response first = as(token).header("Idempotency-Key", key).contentType("application/json").body(body)
                .post("/api/v1/tenants/{t}/exceptions", ACME);
        first.then().statusCode(202);
        Response again = as(token).header("Idempotency-Key", key).contentType("application/json").body(body)
                .post("/api/v1/tenants/{t}/exceptions", ACME);
        again.then().statusCode(202).header("Idempotent-Replayed", "true");
        assertThat(again.<String>path("exceptionId")).isEqualTo(first.path("exceptionId"));
        assertThat(again.<String>path("eventId")).isEqualTo(first.path("eventId"));

        assertProblem(as(token).header("Idempotency-Key", key).contentType("application/json").body(settlement(6_000))
                .post("/api/v1/tenants/{t}/exceptions", ACME), 422);

        String raced = "race-" + UUID.randomUUID();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Callable<String>> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            calls.add(() -> as(token).header("Idempotency-Key", raced).contentType("application/json").body(body)
                    .post("/api/v1/tenants/{t}/exceptions", ACME).then().statusCode(202).extract().path("exceptionId"));
        }
        List<String> ids = new ArrayList<>();
        for (Future<String> f : pool.invokeAll(calls)) {
            ids.add(f.get());
        }
        pool.shutdown();
        assertThat(ids).hasSize(8).containsOnly(ids.get(0));

        for (String id : List.of(first.<String>path("exceptionId"), ids.get(0))) {
            UUID exceptionId = UUID.fromString(id);
            awaitState(db, exceptionId, "TRIAGED");
            assertThat(db.count("SELECT count(*) FROM exception_timeline WHERE exception_id = ? "
                    + "AND event_type = 'exflow.exception.ingested'", exceptionId)).isEqualTo(1);
            assertThat(TestKafka.readAll(settings.topics().ingested()).stream()
                    .filter(rec -> id.equals(rec.header("ce_exceptionid"))).count()).isEqualTo(1);
        }
        // The same key is another request for another tenant.
        String mediId = as(tokenFor(MEDI, "ingest")).header("Idempotency-Key", key).contentType("application/json")
                .body("{\"type\": \"claim_denied\"}").post("/api/v1/tenants/{t}/exceptions", MEDI)
                .then().statusCode(202).extract().path("exceptionId");
        assertThat(mediId).isNotEqualTo(first.path("exceptionId"));
    }

    // ---- approvals -------------------------------------------------------------------------

    @Test
    void approvalOfAnAwaitingExceptionEmitsOneDecidedEventAndASecondIs409() throws Exception {
        UUID id = awaitingApproval(db, ACME, "settlement-retry");
        String approver = DevTokens.token("alice", List.of(ACME), List.of("approver"));
        assertProblem(as(tokenFor(ACME, "ingest", "operator")).contentType("application/json")
                .body("{\"approve\": true}").post("/api/v1/tenants/{t}/exceptions/{id}/approval", ACME, id), 403);
        assertProblem(as(approver).contentType("application/json").body("{\"comment\": \"no verdict\"}")
                .post("/api/v1/tenants/{t}/exceptions/{id}/approval", ACME, id), 400);

        Response ok = as(approver).contentType("application/json").body("{\"approve\": true, \"comment\": \"checked\"}")
                .post("/api/v1/tenants/{t}/exceptions/{id}/approval", ACME, id);
        ok.then().statusCode(200).body("decision", equalTo("APPROVED"));
        String eventId = ok.path("eventId");
        assertProblem(as(approver).contentType("application/json").body("{\"approve\": false}")
                .post("/api/v1/tenants/{t}/exceptions/{id}/approval", ACME, id), 409);

        await().atMost(Duration.ofSeconds(20)).until(() -> decidedEvents(id).size() == 1);
        TestKafka.Received decided = decidedEvents(id).get(0);
        assertThat(decided.header("ce_id")).isEqualTo(eventId);
        assertThat(decided.header("ce_type")).isEqualTo("exflow.exception.decided");
        assertThat(decided.header("ce_tenantid")).isEqualTo(ACME);
        assertThat(decided.key()).isEqualTo(ACME + ":" + id);
        JsonNode data = JSON.readTree(decided.valueText());
        assertThat(data.path("decision").asText()).isEqualTo("APPROVED");
        assertThat(data.path("playbookId").asText()).isEqualTo("settlement-retry");
        assertThat(data.path("actor").asText()).isEqualTo("alice");
        assertThat(db.rows("SELECT approved, actor, comment FROM exception_approval WHERE exception_id = ?", id))
                .containsExactly(Map.of("approved", true, "actor", "alice", "comment", "checked"));
        as(approver).get("/api/v1/tenants/{t}/exceptions/{id}", ACME, id).then().statusCode(200)
                .body("decision", equalTo("APPROVED")).body("approval.actor", equalTo("alice"));
        Thread.sleep(500);
        assertThat(decidedEvents(id)).hasSize(1);
    }

    @Test
    void rejectionCarriesNoPlaybookAndOnlyAwaitingExceptionsCanBeAnswered() throws Exception {
        UUID id = awaitingApproval(db, ACME, "settlement-retry");
        String approver = tokenFor(ACME, "approver");
        as(approver).contentType("application/json").body("{\"approve\": false}")
                .post("/api/v1/tenants/{t}/exceptions/{id}/approval", ACME, id).then().statusCode(200)
                .body("decision", equalTo("REJECTED"));
        await().atMost(Duration.ofSeconds(20)).until(() -> decidedEvents(id).size() == 1);
        JsonNode data = JSON.readTree(decidedEvents(id).get(0).valueText());
        assertThat(data.path("decision").asText()).isEqualTo("REJECTED");
        assertThat(data.path("playbookId").isNull()).isTrue();

        UUID triaged = submitOk(ACME, settlement(7_000));
        awaitState(db, triaged, "TRIAGED");
        Response notAwaiting = as(approver).contentType("application/json").body("{\"approve\": true}")
                .post("/api/v1/tenants/{t}/exceptions/{id}/approval", ACME, triaged);
        assertProblem(notAwaiting, 409);
        assertThat(notAwaiting.jsonPath().getString("type")).isEqualTo("urn:exflow:problem:not-awaiting-approval");
        assertProblem(as(approver).contentType("application/json").body("{\"approve\": true}")
                .post("/api/v1/tenants/{t}/exceptions/{id}/approval", ACME, UUID.randomUUID()), 404);
        assertThat(decidedEvents(triaged)).isEmpty();
    }

    private List<TestKafka.Received> decidedEvents(UUID id) {
        return TestKafka.readAll(settings.topics().decided()).stream()
                .filter(r -> id.toString().equals(r.header("ce_exceptionid"))).toList();
    }

    // ---- ports -----------------------------------------------------------------------------

    @TestHTTPResource(value = "/", management = true)
    URL managementRoot;

    @Test
    void managementEndpointsAreOnlyOnTheManagementPort() throws Exception {
        for (String path : List.of("/q/health", "/q/health/live", "/q/health/ready", "/q/metrics", "/q/openapi")) {
            assertProblem(given().get(path), 404);
        }
        URI health = URI.create("http://" + managementRoot.getHost() + ":" + managementRoot.getPort() + "/q/health/live");
        HttpResponse<String> live = HttpClient.newHttpClient().send(HttpRequest.newBuilder(health).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(live.statusCode()).as(health + " (management root " + managementRoot + ")").isEqualTo(200);
        assertThat(health.getPort()).isNotEqualTo(publicUrl.getPort());
    }
}

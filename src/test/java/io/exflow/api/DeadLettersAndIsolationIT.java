package io.exflow.api;

import static io.exflow.api.ApiTestSupport.ACME;
import static io.exflow.api.ApiTestSupport.MEDI;
import static io.exflow.api.ApiTestSupport.as;
import static io.exflow.api.ApiTestSupport.awaitState;
import static io.exflow.api.ApiTestSupport.awaitingApproval;
import static io.exflow.api.ApiTestSupport.settlement;
import static io.exflow.api.ApiTestSupport.submitOk;
import static io.exflow.api.ApiTestSupport.tokenFor;
import static io.exflow.api.ExceptionsApiIT.assertProblem;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.exflow.runtime.config.ExflowSettings;
import io.exflow.testing.Db;
import io.exflow.testing.ExflowTestResources;
import io.exflow.testing.Roles;
import io.exflow.testing.TestEvents;
import io.exflow.testing.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;

/**
 * Authentication on every route, tenant isolation (tenant A's data is invisible and untouchable
 * with tenant B's token), and the dead-letter operations, against poison records really
 * dead-lettered by the intake worker.
 */
@QuarkusTest
@QuarkusTestResource(ExflowTestResources.class)
@TestProfile(Roles.ApiIntakeAndTriage.class)
class DeadLettersAndIsolationIT {
    static final String INGESTED = "exflow.exception.ingested";

    @Inject
    DataSource dataSource;
    @Inject
    ExflowSettings settings;

    Db db;

    @BeforeEach
    void setUp() {
        db = new Db(dataSource);
    }

    /** One HTTP call of the api with a given request spec; the tenant and ids are filled in. */
    record Route(String name, Function<RequestSpecification, Response> call) {
    }

    static List<Route> routes(String tenant, UUID exceptionId, long deadLetterId) {
        String base = "/api/v1/tenants/" + tenant;
        return List.of(
                new Route("submit", s -> s.contentType("application/json").body(settlement(1)).post(base + "/exceptions")),
                new Route("get", s -> s.get(base + "/exceptions/" + exceptionId)),
                new Route("timeline", s -> s.get(base + "/exceptions/" + exceptionId + "/timeline")),
                new Route("approval", s -> s.contentType("application/json").body("{\"approve\": true}")
                        .post(base + "/exceptions/" + exceptionId + "/approval")),
                new Route("dl list", s -> s.get(base + "/dead-letters")),
                new Route("dl stats", s -> s.get(base + "/dead-letters/stats")),
                new Route("dl get", s -> s.get(base + "/dead-letters/" + deadLetterId)),
                new Route("dl replay", s -> s.contentType("application/json").body("{}")
                        .post(base + "/dead-letters/" + deadLetterId + "/replay")),
                new Route("dl discard", s -> s.contentType("application/json").body("{\"reason\": \"x\"}")
                        .post(base + "/dead-letters/" + deadLetterId + "/discard")),
                new Route("dl batch replay", s -> s.contentType("application/json")
                        .body("{\"ids\": [" + deadLetterId + "]}").post(base + "/dead-letters/replay")));
    }

    /** A payload intake rejects (unknown type): a real VALIDATION_FAILED dead letter of the tenant. */
    long poison(String tenant, String payload) {
        UUID eventId = UUID.randomUUID();
        UUID exceptionId = UUID.randomUUID();
        TestKafka.send(settings.topics().ingested(), tenant + ":" + exceptionId,
                TestEvents.headers(eventId, INGESTED, tenant, exceptionId), TestEvents.json(payload));
        await().atMost(Duration.ofSeconds(30)).until(() -> db.count(
                "SELECT count(*) FROM dead_letter WHERE event_id = ? AND status = 'PENDING'", eventId) == 1);
        return ((Number) db.rows("SELECT id FROM dead_letter WHERE event_id = ?", eventId).get(0).get("id")).longValue();
    }

    // ---- authentication -----------------------------------------------------------------------

    @Test
    void everyRouteWithoutAValidTokenIs401Problem() {
        List<String> badTokens = List.of(
                DevTokens.expired("x", List.of(ACME), ApiTestSupport.ALL_ROLES),
                DevTokens.wrongIssuer("x", List.of(ACME), ApiTestSupport.ALL_ROLES),
                DevTokens.signedByAnotherKey("x", List.of(ACME), ApiTestSupport.ALL_ROLES),
                "not.a.jwt");
        for (Route route : routes(ACME, UUID.randomUUID(), 1)) {
            Response none = route.call().apply(given());
            assertThat(none.statusCode()).as(route.name()).isEqualTo(401);
            assertProblem(none, 401);
            assertThat(none.header("WWW-Authenticate")).startsWith("Bearer");
            for (String bad : badTokens) {
                Response r = route.call().apply(as(bad));
                assertThat(r.statusCode()).as(route.name() + " with a bad token").isEqualTo(401);
                assertProblem(r, 401);
            }
        }
    }

    // ---- tenant isolation ---------------------------------------------------------------------

    @Test
    void tenantBsTokenCanNeitherSeeNorTouchAnythingOfTenantA() {
        UUID acmeException = submitOk(ACME, settlement(42_000));
        awaitState(db, acmeException, "TRIAGED");
        UUID awaiting = awaitingApproval(db, ACME, "settlement-retry");
        long acmeDeadLetter = poison(ACME, "{\"type\": \"NOT_A_FINANCE_TYPE\", \"source\": \"x\", \"accountRef\": \"A-SECRET-1\"}");
        String medi = tokenFor(MEDI); // every role, for medicare-plus only

        // On tenant A's paths: 403 with nothing of A's in the body.
        for (UUID exceptionId : List.of(acmeException, awaiting)) {
            for (Route route : routes(ACME, exceptionId, acmeDeadLetter)) {
                Response r = route.call().apply(as(medi));
                assertThat(r.statusCode()).as(route.name()).isEqualTo(403);
                assertProblem(r, 403);
                assertThat(r.jsonPath().getString("type")).isEqualTo("urn:exflow:problem:tenant-forbidden");
                assertThat(r.asString()).doesNotContain(exceptionId.toString(), "A-SECRET-1", "TRIAGED", "NOT_A_FINANCE_TYPE")
                        .doesNotContain("\"id\"");
            }
        }
        // A's ids through B's own paths: simply not found.
        for (Route route : routes(MEDI, acmeException, acmeDeadLetter)) {
            if (route.name().equals("submit") || route.name().startsWith("dl list") || route.name().equals("dl stats")) {
                continue;
            }
            Response r = route.call().apply(as(medi));
            if (route.name().equals("dl batch replay")) {
                r.then().statusCode(200);
                assertThat(r.jsonPath().getList("replayed")).isEmpty();
                continue;
            }
            assertThat(r.statusCode()).as(route.name()).isEqualTo(404);
            assertProblem(r, 404);
            assertThat(r.asString()).doesNotContain("A-SECRET-1", "TRIAGED");
        }
        Response mediList = as(medi).get("/api/v1/tenants/{t}/dead-letters", MEDI);
        assertThat(mediList.jsonPath().getList("items.id", Long.class)).doesNotContain(acmeDeadLetter);
        assertProblem(as(medi).contentType("application/json").body("{\"approve\": true}")
                .post("/api/v1/tenants/{t}/exceptions/{id}/approval", MEDI, awaiting), 404);

        // Nothing of A's changed.
        assertThat(db.rows("SELECT status, status_actor FROM dead_letter WHERE id = ?", acmeDeadLetter).get(0))
                .containsEntry("status", "PENDING");
        assertThat(db.count("SELECT count(*) FROM exception_record WHERE id = ? AND state = 'AWAITING_APPROVAL' "
                + "AND decision = 'NEEDS_APPROVAL'", awaiting)).isEqualTo(1);
        assertThat(db.count("SELECT count(*) FROM exception_approval WHERE exception_id = ?", awaiting)).isZero();
        assertThat(db.count("SELECT count(*) FROM retry_schedule WHERE dead_letter_id = ?", acmeDeadLetter)).isZero();
    }

    @Test
    void rolesAreEnforcedPerRoute() {
        long dl = poison(ACME, "{\"type\": \"NOT_A_FINANCE_TYPE\", \"source\": \"roles\"}");
        String ingestOnly = tokenFor(ACME, "ingest");
        for (Route route : routes(ACME, UUID.randomUUID(), dl)) {
            if (route.name().startsWith("dl") || route.name().equals("approval")) {
                Response r = route.call().apply(as(ingestOnly));
                assertThat(r.statusCode()).as(route.name()).isEqualTo(403);
                assertThat(r.jsonPath().getString("type")).isEqualTo("urn:exflow:problem:role-forbidden");
            }
        }
        assertProblem(as(tokenFor(ACME, "operator")).contentType("application/json").body(settlement(1))
                .post("/api/v1/tenants/{t}/exceptions", ACME), 403);
    }

    // ---- dead letters -------------------------------------------------------------------------

    @Test
    void operatorListsFiltersPagesAndInspectsTheTenantsDeadLetters() {
        long validation = poison(ACME, "{\"type\": \"NOT_A_FINANCE_TYPE\", \"source\": \"list\"}");
        long malformed = poison(ACME, "{not json");
        String operator = tokenFor(ACME, "operator");
        String base = "/api/v1/tenants/" + ACME + "/dead-letters";

        Response all = as(operator).get(base);
        all.then().statusCode(200);
        List<Long> ids = all.jsonPath().getList("items.id", Long.class);
        assertThat(ids).contains(validation, malformed).isSortedAccordingTo((a, b) -> Long.compare(b, a));

        List<Long> byReason = as(operator).queryParam("reason", "MALFORMED_EVENT").get(base).jsonPath()
                .getList("items.id", Long.class);
        assertThat(byReason).contains(malformed).doesNotContain(validation);
        assertThat(as(operator).queryParam("status", "DISCARDED").queryParam("reason", "MALFORMED_EVENT").get(base)
                .jsonPath().getList("items.id", Long.class)).doesNotContain(malformed);
        assertThat(as(operator).queryParam("consumer", "exflow-intake").queryParam("eventType", INGESTED).get(base)
                .jsonPath().getList("items.id", Long.class)).contains(validation, malformed);
        assertThat(as(operator).queryParam("since", "2999-01-01T00:00:00Z").get(base).jsonPath().getList("items"))
                .isEmpty();
        assertProblem(as(operator).queryParam("since", "yesterday").get(base), 400);
        assertProblem(as(operator).queryParam("limit", "201").get(base), 400);
        assertProblem(as(operator).queryParam("status", "LOST").get(base), 400);

        // Cursor pagination walks every entry exactly once.
        java.util.List<Long> walked = new java.util.ArrayList<>();
        Long cursor = null;
        do {
            RequestSpecification s = as(operator).queryParam("limit", 1);
            if (cursor != null) {
                s.queryParam("cursor", cursor);
            }
            Response page = s.get(base);
            walked.addAll(page.jsonPath().getList("items.id", Long.class));
            cursor = page.jsonPath().getObject("nextCursor", Long.class);
        } while (cursor != null);
        assertThat(walked).doesNotHaveDuplicates().containsAll(ids);

        Response stats = as(operator).get(base + "/stats");
        stats.then().statusCode(200);
        long pending = db.count("SELECT count(*) FROM dead_letter WHERE tenant_id = ? AND status = 'PENDING'", ACME);
        assertThat(stats.jsonPath().getLong("byStatus.PENDING")).isEqualTo(pending);
        assertThat(stats.jsonPath().getLong("total")).isEqualTo(
                db.count("SELECT count(*) FROM dead_letter WHERE tenant_id = ?", ACME));
        assertThat(stats.jsonPath().getLong("byReason.MALFORMED_EVENT")).isGreaterThanOrEqualTo(1);
        assertThat(stats.jsonPath().getLong("byConsumer.exflow-intake")).isGreaterThanOrEqualTo(2);

        as(operator).get(base + "/" + validation).then().statusCode(200)
                .body("summary.reason", equalTo("VALIDATION_FAILED")).body("payloadIsJson", equalTo(true))
                .body("headers.ce_tenantid", equalTo(ACME)).body("summary.consumer", equalTo("exflow-intake"));
        assertThat(as(operator).get(base + "/" + validation).jsonPath().getString("payload")).contains("NOT_A_FINANCE_TYPE");
        as(operator).get(base + "/" + malformed).then().statusCode(200)
                .body("payloadIsJson", equalTo(false)).body("payload", equalTo(null)).body("payloadBytes", equalTo(9));
        assertProblem(as(operator).get(base + "/999999999"), 404);
    }

    @Test
    void discardNeedsAReasonAndRecordsTheActor() {
        long dl = poison(ACME, "{\"type\": \"NOT_A_FINANCE_TYPE\", \"source\": \"discard\"}");
        String operator = DevTokens.token("bob", List.of(ACME), List.of("operator"));
        String path = "/api/v1/tenants/" + ACME + "/dead-letters/" + dl + "/discard";
        assertProblem(as(operator).contentType("application/json").body("{}").post(path), 400);
        as(operator).contentType("application/json").body("{\"reason\": \"duplicate of a settled case\"}").post(path)
                .then().statusCode(200).body("status", equalTo("DISCARDED"));
        assertThat(db.rows("SELECT status, status_actor, status_reason FROM dead_letter WHERE id = ?", dl).get(0))
                .isEqualTo(Map.of("status", "DISCARDED", "status_actor", "bob", "status_reason", "duplicate of a settled case"));
        assertProblem(as(operator).contentType("application/json").body("{\"reason\": \"again\"}").post(path), 409);
        assertProblem(as(operator).contentType("application/json").body("{}")
                .post("/api/v1/tenants/" + ACME + "/dead-letters/" + dl + "/replay"), 409);
    }

    @Test
    void replayGoesBackToTheConsumerThatFailedOnly() {
        UUID eventId = UUID.randomUUID();
        UUID exceptionId = UUID.randomUUID();
        TestKafka.send(settings.topics().ingested(), ACME + ":" + exceptionId,
                TestEvents.headers(eventId, INGESTED, ACME, exceptionId),
                TestEvents.json("{\"type\": \"NOT_A_FINANCE_TYPE\", \"source\": \"replay\"}"));
        await().atMost(Duration.ofSeconds(30)).until(() -> db.count(
                "SELECT count(*) FROM dead_letter WHERE event_id = ? AND status = 'PENDING'", eventId) == 1);
        long dl = ((Number) db.rows("SELECT id FROM dead_letter WHERE event_id = ?", eventId).get(0).get("id")).longValue();
        String operator = DevTokens.token("carol", List.of(ACME), List.of("operator"));

        as(operator).contentType("application/json").body("{\"reason\": \"pack fixed\"}")
                .post("/api/v1/tenants/{t}/dead-letters/{id}/replay", ACME, dl).then().statusCode(200)
                .body("status", equalTo("REPLAYED"));
        assertThat(db.rows("SELECT status, status_actor, status_reason FROM dead_letter WHERE id = ?", dl).get(0))
                .isEqualTo(Map.of("status", "REPLAYED", "status_actor", "carol", "status_reason", "pack fixed"));
        // The cause is not fixed, so intake — and only intake — fails it again: a new PENDING entry.
        await().atMost(Duration.ofSeconds(30)).until(() -> db.count(
                "SELECT count(*) FROM dead_letter WHERE event_id = ? AND status = 'PENDING' AND consumer = 'exflow-intake'",
                eventId) == 1);
        assertThat(db.count("SELECT count(*) FROM dead_letter WHERE event_id = ?", eventId)).isEqualTo(2);
        assertThat(db.count("SELECT count(*) FROM dead_letter WHERE event_id = ? AND consumer <> 'exflow-intake'", eventId))
                .isZero();
        assertProblem(as(operator).contentType("application/json").body("{}")
                .post("/api/v1/tenants/{t}/dead-letters/{id}/replay", ACME, dl), 409);
    }

    @Test
    void batchReplayByIdsAndByFilterStaysInsideTheTenant() {
        long a1 = poison(ACME, "{\"type\": \"NOT_A_FINANCE_TYPE\", \"source\": \"batch-1\"}");
        long a2 = poison(ACME, "{\"type\": \"NOT_A_FINANCE_TYPE\", \"source\": \"batch-2\"}");
        long m1 = poison(MEDI, "{\"type\": \"NOT_A_HEALTH_TYPE\", \"source\": \"batch-3\"}");
        String operator = tokenFor(ACME, "operator");
        Response r = as(operator).contentType("application/json")
                .body("{\"ids\": [" + a1 + ", " + m1 + ", 987654321], \"comment\": \"batch\"}")
                .post("/api/v1/tenants/{t}/dead-letters/replay", ACME);
        r.then().statusCode(200);
        assertThat(r.jsonPath().getList("replayed", Long.class)).containsExactly(a1);
        assertThat(r.jsonPath().getList("skipped.id", Long.class)).containsExactlyInAnyOrder(m1, 987654321L);
        assertThat(db.rows("SELECT status FROM dead_letter WHERE id = ?", m1).get(0)).containsEntry("status", "PENDING");

        Response byFilter = as(operator).contentType("application/json")
                .body("{\"filter\": {\"reason\": \"VALIDATION_FAILED\", \"consumer\": \"exflow-intake\"}, \"max\": 500}")
                .post("/api/v1/tenants/{t}/dead-letters/replay", ACME);
        byFilter.then().statusCode(200);
        assertThat(byFilter.jsonPath().getList("replayed", Long.class)).contains(a2).doesNotContain(m1);
        assertThat(db.rows("SELECT status FROM dead_letter WHERE id = ?", m1).get(0)).containsEntry("status", "PENDING");
        assertProblem(as(operator).contentType("application/json").body("{}")
                .post("/api/v1/tenants/{t}/dead-letters/replay", ACME), 400);
    }

    @Test
    void unattributedDeadLettersAreForPlatformAdminsOnly() {
        UUID eventId = UUID.randomUUID();
        TestKafka.send(settings.topics().ingested(), "k", TestEvents.headers(eventId, INGESTED, null, UUID.randomUUID()),
                TestEvents.json(settlement(1)));
        await().atMost(Duration.ofSeconds(30)).until(() -> db.count(
                "SELECT count(*) FROM dead_letter WHERE event_id = ? AND tenant_id IS NULL", eventId) == 1);
        long dl = ((Number) db.rows("SELECT id FROM dead_letter WHERE event_id = ?", eventId).get(0).get("id")).longValue();

        String admin = DevTokens.token("root", List.of("*"), List.of("operator"));
        assertThat(as(admin).get("/api/v1/tenants/_unattributed/dead-letters").jsonPath().getList("items.id", Long.class))
                .contains(dl);
        as(admin).get("/api/v1/tenants/_unattributed/dead-letters/" + dl).then().statusCode(200)
                .body("summary.reason", equalTo("TENANT_REJECTED"));
        Response tenantOperator = as(tokenFor(ACME, "operator")).get("/api/v1/tenants/_unattributed/dead-letters");
        assertProblem(tenantOperator, 403);
        assertThat(as(tokenFor(ACME, "operator")).get("/api/v1/tenants/{t}/dead-letters", ACME).jsonPath()
                .getList("items.id", Long.class)).doesNotContain(dl);
        as(admin).contentType("application/json").body("{\"reason\": \"no tenant, cannot be processed\"}")
                .post("/api/v1/tenants/_unattributed/dead-letters/" + dl + "/discard").then().statusCode(200);
    }
}

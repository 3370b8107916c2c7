package io.exflow.api;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

import io.exflow.testing.Db;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/** Tokens, payloads and waits shared by the api's integration tests. */
final class ApiTestSupport {
    static final String ACME = "acme-bank";
    static final String MEDI = "medicare-plus";
    static final List<String> ALL_ROLES = List.of("ingest", "operator", "approver");

    private ApiTestSupport() {
    }

    static String tokenFor(String tenant, String... groups) {
        return DevTokens.token("user-of-" + tenant, List.of(tenant), groups.length == 0 ? ALL_ROLES : List.of(groups));
    }

    static RequestSpecification as(String token) {
        return given().auth().oauth2(token);
    }

    static String settlement(long amount) {
        return """
                {"type": "settlement_failed", "source": "core-banking", "entity": "STL-%d", "amount": %d,
                 "currency": "usd", "timestamp": "%s", "settlementId": "S-%d"}
                """.formatted(amount, amount, OffsetDateTime.now().minusMinutes(3), amount);
    }

    static Response submit(String token, String tenant, String body) {
        return as(token).contentType("application/json").body(body).post("/api/v1/tenants/{t}/exceptions", tenant);
    }

    static UUID submitOk(String tenant, String body) {
        String id = submit(tokenFor(tenant), tenant, body).then().statusCode(202).extract().path("exceptionId");
        return UUID.fromString(id);
    }

    static void awaitState(Db db, UUID id, String state) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> db.count(
                "SELECT count(*) FROM exception_record WHERE id = ? AND state = ?", id, state) == 1);
    }

    /** An exception row put straight into the system of record, as policy would leave it. */
    static UUID awaitingApproval(Db db, String tenant, String playbookId) {
        UUID id = UUID.randomUUID();
        db.execute("INSERT INTO exception_record (id, tenant_id, state, exception_type, ingested_at, payload, severity, "
                + "decision, playbook_id) VALUES (?, ?, 'AWAITING_APPROVAL', 'SETTLEMENT_FAILED', now(), '{}'::jsonb, "
                + "'HIGH', 'NEEDS_APPROVAL', ?)", id, tenant, playbookId);
        return id;
    }
}

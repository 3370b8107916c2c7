package io.exflow.api;

import static io.exflow.api.ApiTestSupport.as;
import static io.exflow.api.ApiTestSupport.awaitState;
import static io.exflow.api.ApiTestSupport.settlement;
import static io.exflow.api.ApiTestSupport.submit;
import static io.exflow.api.ApiTestSupport.tokenFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.UUID;

import javax.sql.DataSource;

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
import jakarta.inject.Inject;

/**
 * An operator suspends and reactivates a tenant through the api (issue 15, item 6): no restart,
 * no database edit; the api refuses new work at once, the workers (intake here) dead-letter the
 * tenant's events within TENANT_CACHE_TTL and take them again after the reactivation. The tenant
 * is pausable-co (src/test/resources/packs-api), used by no other test.
 */
@QuarkusTest
@QuarkusTestResource(ExflowTestResources.class)
@TestProfile(Roles.ApiIntakeAndTriage.class)
class TenantSuspensionIT {
    static final String TENANT = "pausable-co";

    @Inject
    DataSource dataSource;
    @Inject
    ExflowSettings settings;

    static Response post(String token, String action, String body) {
        return as(token).contentType("application/json").body(body).post("/api/v1/tenants/{t}/" + action, TENANT);
    }

    @Test
    void anAdminSuspendsAndReactivatesATenantAndTheWorkersFollowWithinTheCacheTtl() {
        Db db = new Db(dataSource);
        String admin = DevTokens.token("platform-admin-1", java.util.List.of("*"), java.util.List.of("operator"));
        String tenantOperator = tokenFor(TENANT, "operator");

        // Only platform admins; a reason is required; an unknown tenant is 404 — all problem+json.
        post(tenantOperator, "suspend", "{\"reason\": \"mine\"}").then().statusCode(403)
                .contentType(Problem.MEDIA_TYPE).body("type", org.hamcrest.Matchers.endsWith("role-forbidden"));
        post(admin, "suspend", "{}").then().statusCode(400).contentType(Problem.MEDIA_TYPE);
        as(admin).contentType("application/json").body("{\"reason\": \"x\"}").post("/api/v1/tenants/{t}/suspend", "no-such-co")
                .then().statusCode(404).contentType(Problem.MEDIA_TYPE);
        assertThat(db.count("SELECT count(*) FROM tenant WHERE id = ? AND status = 'ACTIVE'", TENANT)).isEqualTo(1);

        try {
            Response suspended = post(admin, "suspend", "{\"reason\": \"unpaid invoice\"}");
            suspended.then().statusCode(200).body("status", org.hamcrest.Matchers.equalTo("SUSPENDED"))
                    .body("changedBy", org.hamcrest.Matchers.equalTo("platform-admin-1"))
                    .body("reason", org.hamcrest.Matchers.equalTo("unpaid invoice"))
                    .body("workersApplyWithinMs", org.hamcrest.Matchers.equalTo((int) settings.tenantCacheTtl().toMillis()));
            assertThat(db.count("SELECT count(*) FROM console_audit WHERE action = 'tenant.suspend' AND tenant_id = ? "
                    + "AND actor = 'platform-admin-1' AND outcome = 'OK' AND detail = 'unpaid invoice'", TENANT)).isEqualTo(1);
            as(tenantOperator).get("/api/v1/tenants/{t}/status", TENANT).then().statusCode(200)
                    .body("status", org.hamcrest.Matchers.equalTo("SUSPENDED"));

            // The api refuses new work at once.
            submit(tokenFor(TENANT), TENANT, settlement(7_100)).then().statusCode(403).contentType(Problem.MEDIA_TYPE)
                    .body("type", org.hamcrest.Matchers.endsWith("tenant-suspended"));
            // A worker dead-letters an event sent once the cache's time is up.
            sleep(settings.tenantCacheTtl().plusMillis(100));
            UUID rejected = UUID.randomUUID();
            UUID rejectedException = UUID.randomUUID();
            TestKafka.send(settings.topics().ingested(), TENANT + ":" + rejectedException,
                    TestEvents.headers(rejected, "exflow.exception.ingested", TENANT, rejectedException),
                    TestEvents.json(settlement(7_200)));
            await().atMost(Duration.ofSeconds(30)).until(() -> db.count("SELECT count(*) FROM dead_letter WHERE event_id = ? "
                    + "AND reason = 'TENANT_REJECTED' AND error LIKE '%SUSPENDED%'", rejected) == 1);
            assertThat(db.count("SELECT count(*) FROM exception_record WHERE id = ?", rejectedException)).isZero();
        } finally {
            post(admin, "reactivate", "{\"reason\": \"paid\"}").then().statusCode(200)
                    .body("status", org.hamcrest.Matchers.equalTo("ACTIVE"));
        }
        assertThat(db.count("SELECT count(*) FROM console_audit WHERE action = 'tenant.reactivate' AND tenant_id = ?", TENANT))
                .isEqualTo(1);
        assertThat(db.rows("SELECT status, operator_status, status_actor, status_reason FROM tenant WHERE id = ?", TENANT).get(0))
                .containsEntry("status", "ACTIVE").containsEntry("operator_status", "ACTIVE")
                .containsEntry("status_actor", "platform-admin-1").containsEntry("status_reason", "paid");

        // Work flows again: through the api and straight from Kafka.
        sleep(settings.tenantCacheTtl().plusMillis(100));
        String id = submit(tokenFor(TENANT), TENANT, settlement(7_300)).then().statusCode(202).extract().path("exceptionId");
        awaitState(db, UUID.fromString(id), "TRIAGED");
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

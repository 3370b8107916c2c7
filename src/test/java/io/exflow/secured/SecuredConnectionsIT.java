package io.exflow.secured;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import io.exflow.api.DevTokens;
import io.exflow.runtime.health.KafkaAuthenticationLog;
import io.exflow.testing.Db;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;

/**
 * exflow with every role (WORKER_TYPE=all) against secured dependencies only
 * ({@link SecuredDependencies}): Kafka over SASL_SSL (SCRAM-SHA-512, a test CA), PostgreSQL with
 * sslmode=verify-full, Redis over TLS as an ACL user. The broker first holds another password
 * for exflow's user, as after a rotation on one side only: readiness is DOWN for Kafka alone,
 * the log has one clear line and no secret, and what the api accepts meanwhile waits in the
 * outbox. Once the broker holds exflow's password, the same process — no restart — becomes
 * ready and every exception goes through every role to its outcome: nothing is lost.
 */
@QuarkusTest
@QuarkusTestResource(value = SecuredDependencies.class, restrictToAnnotatedClass = true)
class SecuredConnectionsIT {
    private static final String TENANT = "acme-bank";

    @Inject
    DataSource dataSource;
    @TestHTTPResource(value = "/health/ready", management = true)
    java.net.URL ready;

    @Test
    void everyRoleWorksOverSecuredConnectionsAndAWrongKafkaPasswordCostsNothing() throws Exception {
        Db db = new Db(dataSource);

        // ---- Kafka rejects exflow's password -------------------------------------------------
        await().atMost(Duration.ofSeconds(30)).until(() -> RestAssured.get(ready).statusCode() == 503);
        String down = RestAssured.get(ready).asString();
        assertThat(check(down, "exflow-kafka")).contains("\"DOWN\"", "Authentication failed");
        // PostgreSQL (verify-full) and Redis (TLS, ACL user) are fine: only Kafka is down.
        assertThat(check(down, "Database connections health check")).contains("\"UP\"");
        assertThat(check(down, "exflow-redis")).contains("\"UP\"");

        // The api still accepts work (PostgreSQL and the Redis rate limiter over TLS); it waits in the outbox.
        List<UUID> accepted = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            accepted.add(submit(10_000 + i));
        }
        // Long enough for every client to fail its login many times over (reconnect backoff <= 1 s).
        Thread.sleep(5_000);
        assertThat(db.count("SELECT count(*) FROM outbox")).isGreaterThanOrEqualTo(accepted.size());
        assertThat(db.count("SELECT count(*) FROM exception_record WHERE state = 'RESOLVED'")).isZero();

        String log = Files.readString(SecuredDependencies.LOG);
        List<String> refused = log.lines().filter(l -> l.contains("Kafka refused exflow's connection")).toList();
        assertThat(refused).as("one line for the rejected credentials in:%n%s", log).hasSize(1);
        assertThat(refused.get(0)).contains("ERROR", "Authentication failed", "KAFKA_SASL_PASSWORD");
        assertThat(log).as("no Kafka client repeats the failure").doesNotContain("failed authentication due to")
                .doesNotContain("disconnected");
        assertThat(log).as("no secret in the log").doesNotContain(secrets());

        // ---- the broker gets exflow's password: the same process recovers ------------------------
        SaslSslKafka.setPassword(secret(SecuredDependencies.KAFKA_ADMIN_BOOTSTRAP), SaslSslKafka.USER,
                secret(SecuredDependencies.KAFKA_PASSWORD));
        await().atMost(Duration.ofSeconds(60)).until(() -> RestAssured.get(ready).statusCode() == 200);
        String up = RestAssured.get(ready).asString();
        for (String consumer : List.of("exflow-intake", "exflow-triage", "exflow-policy", "exflow-playbook", "exflow-feedback")) {
            assertThat(up).containsPattern("\"" + consumer + "\"\\s*:\\s*\"polling\"");
        }
        assertThat(up).containsPattern("\"exflow-tool\"\\s*:\\s*\"consuming\"");

        // Everything accepted while Kafka refused us, and new work, goes through every role.
        accepted.add(submit(20_000));
        for (UUID id : accepted) {
            await().atMost(Duration.ofSeconds(60)).until(() -> db.count(
                    "SELECT count(*) FROM exception_record WHERE id = ? AND state = 'RESOLVED'", id) == 1);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> db.count(
                "SELECT count(*) FROM exception_outcome WHERE outcome = 'RESOLVED'") == accepted.size());
        // The tool role took its jobs from the Redis lists over TLS; nothing is left in the outbox.
        assertThat(db.count("SELECT count(DISTINCT exception_id) FROM tool_execution WHERE status = 'SUCCEEDED'"))
                .isEqualTo(accepted.size());
        await().atMost(Duration.ofSeconds(10)).until(() -> db.count("SELECT count(*) FROM outbox") == 0);
        assertThat(db.count("SELECT count(*) FROM dead_letter")).isZero();

        // The server side agrees: exflow's sessions are TLS, and the log still holds no secret.
        assertThat(TlsPostgres.sslConnections(Integer.parseInt(secret(SecuredDependencies.PG_PORT))))
                .matches("(\\d+)/\\1").isNotEqualTo("0/0");
        assertThat(Files.readString(SecuredDependencies.LOG)).doesNotContain(secrets());
        assertThat(Files.readString(SecuredDependencies.LOG).lines().filter(l -> l.contains(KafkaAuthenticationLog.class.getSimpleName())))
                .hasSize(1);
    }

    private static String secret(String name) {
        String value = SecuredDependencies.secret(name);
        assertThat(value).as(name).isNotBlank();
        return value;
    }

    private static String[] secrets() {
        return new String[] { secret(SecuredDependencies.KAFKA_PASSWORD), secret(SecuredDependencies.WRONG_KAFKA_PASSWORD),
                secret(SecuredDependencies.DB_PASSWORD), secret(SecuredDependencies.REDIS_PASSWORD) };
    }

    private static UUID submit(long amount) {
        String token = DevTokens.token("user-of-" + TENANT, List.of(TENANT), List.of("ingest", "operator", "approver"));
        String body = """
                {"type": "settlement_failed", "source": "core-banking", "entity": "STL-%d", "amount": %d,
                 "currency": "usd", "timestamp": "%s", "settlementId": "S-%d"}
                """.formatted(amount, amount, OffsetDateTime.now().minusMinutes(3), amount);
        String id = given().auth().oauth2(token).contentType("application/json").body(body)
                .post("/api/v1/tenants/{t}/exceptions", TENANT).then().statusCode(202).extract().path("exceptionId");
        return UUID.fromString(id);
    }

    /** The JSON of one named check in a health response (checks are objects with a "name"). */
    private static String check(String health, String name) {
        java.util.regex.Matcher named = java.util.regex.Pattern.compile("\"name\"\\s*:\\s*\"" + java.util.regex.Pattern.quote(name) + "\"")
                .matcher(health);
        assertThat(named.find()).as("check %s in %s", name, health).isTrue();
        int at = named.start();
        int start = health.lastIndexOf('{', at);
        int depth = 0;
        for (int i = start; i < health.length(); i++) {
            char c = health.charAt(i);
            depth += c == '{' ? 1 : c == '}' ? -1 : 0;
            if (depth == 0) {
                return health.substring(start, i + 1);
            }
        }
        return health.substring(start);
    }
}

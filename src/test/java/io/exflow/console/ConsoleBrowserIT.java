package io.exflow.console;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

import io.exflow.api.DevTokens;
import io.exflow.runtime.config.ExflowSettings;
import io.exflow.runtime.config.WorkerRole;
import io.exflow.testing.Db;
import io.exflow.testing.ExflowTestResources;
import io.exflow.testing.KafkaTestCluster;
import io.exflow.testing.Roles;
import io.exflow.testing.TestEvents;
import io.exflow.testing.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/**
 * The console in a real browser ({@link ConsoleBrowser}: headless Chromium driven by Selenium),
 * signed in with a pasted dev token, against the app with every role but feedback on real Kafka,
 * PostgreSQL and Redis. With {@code -Dconsole.screenshots=docs/console} it also saves a PNG of
 * every page (how docs/console/*.png are made). Sign-in at the identity provider: ConsoleSignInIT.
 */
@QuarkusTest
@QuarkusTestResource(ExflowTestResources.class)
@TestProfile(Roles.AllButFeedback.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserIT extends ConsoleBrowserTestBase {
    static final String ACME = "acme-bank";
    static final String MEDI = "medicare-plus";
    static final Duration WAIT = ConsoleBrowser.WAIT;

    static UUID resolvedId;

    @Inject
    DataSource dataSource;
    @Inject
    ExflowSettings settings;
    /** This run's PostgreSQL schema (ExflowTestResources), for a worker process of our own. */
    @Inject
    @ConfigProperty(name = "exflow.test.schema")
    String schema;

    static String token(List<String> tenants, String... roles) {
        return DevTokens.token("op-" + String.join("-", tenants), tenants, List.of(roles));
    }

    void login(String token) {
        browser.manage().deleteAllCookies();
        browser.get(url("/console"));
        assertThat(browser.getCurrentUrl()).endsWith("/console/login");
        browser.findElement(By.id("token")).sendKeys(token);
        browser.findElement(By.id("sign-in")).click();
        waitFor(d -> d.getCurrentUrl().contains("/overview"));
    }

    static void waitFor(java.util.function.Function<WebDriver, Boolean> condition) {
        chromium.waitFor(condition);
    }

    static String text(String id) {
        return chromium.text(id);
    }

    static void screenshot(String name) {
        chromium.screenshot(name);
    }

    static String settlement(long amount) {
        return """
                {"type": "settlement_failed", "source": "core-banking", "entity": "STL-%d", "amount": %d,
                 "currency": "usd", "timestamp": "%s", "settlementId": "S-%d",
                 "customer": {"email": "jane.doe@example.com", "phone": "+44 20 7946 0958"}}
                """.formatted(amount, amount, OffsetDateTime.now().minusMinutes(3), amount);
    }

    static UUID submit(String tenant, String body) {
        String id = given().auth().oauth2(token(List.of(tenant), "ingest")).contentType("application/json").body(body)
                .post("/api/v1/tenants/{t}/exceptions", tenant).then().statusCode(202).extract().path("exceptionId");
        return UUID.fromString(id);
    }

    long poison(String tenant, String source) {
        Db db = new Db(dataSource);
        UUID eventId = UUID.randomUUID();
        UUID exceptionId = UUID.randomUUID();
        TestKafka.send(settings.topics().ingested(), tenant + ":" + exceptionId,
                TestEvents.headers(eventId, "exflow.exception.ingested", tenant, exceptionId),
                TestEvents.json("{\"type\": \"NOT_A_FINANCE_TYPE\", \"source\": \"" + source + "\", "
                        + "\"contact\": \"john.roe@example.com\"}"));
        await().atMost(WAIT).until(() -> db.count("SELECT count(*) FROM dead_letter WHERE event_id = ? AND status = 'PENDING'",
                eventId) == 1);
        return ((Number) db.rows("SELECT id FROM dead_letter WHERE event_id = ?", eventId).get(0).get("id")).longValue();
    }

    @Test
    @Order(1)
    void anOperatorLogsInAndWatchesAnExceptionReachResolvedWithoutReloading() {
        login(token(List.of(ACME, MEDI), "operator", "approver"));
        assertThat(browser.findElements(By.cssSelector("#tenants a.tenant"))).extracting(WebElement::getText)
                .containsExactly(ACME, MEDI);

        resolvedId = submit(ACME, settlement(12_500));
        browser.get(url("/console/t/" + ACME + "/exceptions/" + resolvedId));
        ((JavascriptExecutor) browser).executeScript("window.__sameDocument = true;");
        waitFor(d -> "RESOLVED".equals(text("exception-state")));
        // Still the document loaded before: htmx swapped the state in, nothing reloaded.
        assertThat(((JavascriptExecutor) browser).executeScript("return window.__sameDocument === true;")).isEqualTo(true);
        assertThat(text("timeline")).contains("exflow.exception.ingested", "exflow.exception.closed");
        assertThat(text("tool-attempts")).contains("SUCCEEDED");
        // The redaction report names paths and kinds; the values themselves appear nowhere on the page.
        assertThat(text("redactions")).contains("EMAIL");
        assertThat(browser.getPageSource()).doesNotContain("jane.doe@example.com").doesNotContain("7946 0958");
        screenshot("exception");

        browser.get(url("/console/t/" + ACME + "/exceptions"));
        WebElement row = browser.findElement(By.cssSelector("tr[data-id='" + resolvedId + "']"));
        assertThat(row.getText()).contains("RESOLVED");
        screenshot("exceptions");
    }

    @Test
    @Order(2)
    void anApproverApprovesAWaitingException() {
        UUID waiting = submit(ACME, settlement(140_000));
        browser.get(url("/console/t/" + ACME + "/exceptions/" + waiting));
        waitFor(d -> "AWAITING_APPROVAL".equals(text("exception-state")) && !d.findElements(By.id("approve")).isEmpty());
        browser.findElement(By.id("approval-comment")).sendKeys("checked with treasury");
        browser.findElement(By.id("approve")).click();
        waitFor(d -> !d.findElements(By.id("action-result")).isEmpty());
        assertThat(text("action-result")).contains("APPROVED");
        waitFor(d -> "RESOLVED".equals(text("exception-state")));
        Db db = new Db(dataSource);
        assertThat(db.rows("SELECT actor, comment, approved FROM exception_approval WHERE exception_id = ?", waiting))
                .singleElement().satisfies(r -> {
                    assertThat(r).containsEntry("actor", "op-" + ACME + "-" + MEDI).containsEntry("approved", true);
                    assertThat(r).containsEntry("comment", "checked with treasury");
                });
        assertThat(db.count("SELECT count(*) FROM console_audit WHERE action = 'exception.approve' AND target = ? "
                + "AND tenant_id = ? AND outcome = 'OK'", "exception:" + waiting, ACME)).isEqualTo(1);
    }

    @Test
    @Order(3)
    void anOperatorReplaysOneDeadLetterAndDiscardsEveryOneMatchingAFilter() {
        long first = poison(ACME, "console-1");
        long second = poison(ACME, "console-2");
        long third = poison(ACME, "console-3");
        Db db = new Db(dataSource);

        browser.get(url("/console/t/" + ACME + "/dead-letters"));
        assertThat(browser.findElements(By.cssSelector("#dead-letters tr[data-id]"))).hasSizeGreaterThanOrEqualTo(3);
        browser.get(url("/console/t/" + ACME + "/dead-letters/" + first));
        assertThat(text("dl-error")).isNotBlank();
        assertThat(text("dl-payload")).contains("NOT_A_FINANCE_TYPE").doesNotContain("john.roe@example.com");
        screenshot("dead-letter");

        browser.get(url("/console/t/" + ACME + "/dead-letters"));
        screenshot("dead-letters");
        browser.findElement(By.cssSelector("tr[data-id='" + first + "'] input.pick")).click();
        browser.findElement(By.id("replay-selected")).click();
        assertThat(text("confirm-count")).isEqualTo("1");
        browser.findElement(By.id("confirm")).click();
        assertThat(text("result")).isEqualTo("Replayed 1, skipped 0");
        screenshot("result");
        assertThat(db.rows("SELECT status, status_actor FROM dead_letter WHERE id = ?", first).get(0))
                .containsEntry("status", "REPLAYED").containsEntry("status_actor", "op-" + ACME + "-" + MEDI);

        browser.get(url("/console/t/" + ACME + "/dead-letters?status=PENDING&reason=VALIDATION_FAILED"));
        browser.findElement(By.id("all-matching")).click();
        browser.findElement(By.id("discard-selected")).click();
        long pending = db.count("SELECT count(*) FROM dead_letter WHERE tenant_id = ? AND status = 'PENDING' "
                + "AND reason = 'VALIDATION_FAILED'", ACME);
        assertThat(Long.parseLong(text("confirm-count"))).isEqualTo(pending).isGreaterThanOrEqualTo(2);
        browser.findElement(By.id("note")).sendKeys("test input, not a real exception");
        screenshot("confirm");
        browser.findElement(By.id("confirm")).click();
        assertThat(text("result")).isEqualTo("Discarded " + pending + ", skipped 0");
        for (long id : List.of(second, third)) {
            assertThat(db.rows("SELECT status, status_reason FROM dead_letter WHERE id = ?", id).get(0))
                    .containsEntry("status", "DISCARDED").containsEntry("status_reason", "test input, not a real exception");
        }
        assertThat(db.count("SELECT count(*) FROM console_audit WHERE action = 'dead-letter.discard' AND outcome = 'OK' "
                + "AND tenant_id = ?", ACME)).isEqualTo(pending);
        assertThat(db.count("SELECT count(*) FROM console_audit WHERE action = 'dead-letter.replay' AND target = ?",
                "dead-letter:" + first)).isEqualTo(1);
    }

    @Test
    @Order(4)
    void lagAppearsForTheRoleThatIsNotRunningAndTheProcessListShowsThisProcess() {
        browser.get(url("/console/t/" + ACME + "/queues"));
        // feedback does not run here: every closed exception is lag of its group, and KEDA would start it.
        waitFor(d -> Long.parseLong(d.findElement(By.cssSelector("tr[data-group='exflow-feedback'] td.lag")).getText()) > 0);
        String replicas = browser.findElement(By.cssSelector("tr[data-group='exflow-feedback'] td.keda b")).getText();
        assertThat(Integer.parseInt(replicas)).isGreaterThanOrEqualTo(1);
        assertThat(browser.findElement(By.cssSelector("tr[data-group='exflow-intake'] td.lag")).getText()).isEqualTo("0");
        assertThat(text("tool-queues")).contains("HIGH", "DEFAULT", "LOW");
        screenshot("queues");

        browser.get(url("/console/t/" + ACME + "/workers"));
        waitFor(d -> !d.findElements(By.cssSelector("#processes tr[data-process]")).isEmpty());
        assertThat(text("processes")).contains("api,intake,playbook,policy,sla-monitor,tool,triage");
        assertThat(browser.findElement(By.cssSelector("[data-role='feedback']")).getText()).isEqualTo("0");
        screenshot("workers");

        browser.get(url("/console/t/" + ACME + "/overview"));
        waitFor(d -> !d.findElements(By.cssSelector("#events-per-stage svg")).isEmpty());
        assertThat(text("by-state")).contains("RESOLVED");
        screenshot("overview");
    }

    @Test
    @Order(5)
    void aProcessThatStopsHeartbeatingLeavesTheProcessList() {
        Db db = new Db(dataSource);
        // A process that wrote its heartbeat and then died (killed: no clean-up), as its row is left behind.
        db.execute("INSERT INTO fleet_process (process_id, roles, host, pid, version, concurrency, started_at, heartbeat_at, "
                + "expires_at) VALUES ('dead-pod:4242:x', 'tool', 'exflow-tool-7d9f-dead', 4242, '1.0.0', 4, now(), now(), "
                + "now() + interval '3 seconds')");
        browser.get(url("/console/t/" + ACME + "/workers"));
        waitFor(d -> d.findElement(By.id("processes")).getText().contains("exflow-tool-7d9f-dead"));
        waitFor(d -> !d.findElement(By.id("processes")).getText().contains("exflow-tool-7d9f-dead"));
    }

    @Test
    @Order(6)
    void aTenantAOperatorNeverSeesTenantB() {
        UUID medi = submit(MEDI, """
                {"type": "claim_mismatch", "source": "claims", "entity": "CLM-77", "amount": 120, "currency": "usd",
                 "timestamp": "%s", "claimId": "C-77", "payerId": "P-1"}""".formatted(OffsetDateTime.now().minusMinutes(1)));
        Db db = new Db(dataSource);
        await().atMost(WAIT).until(() -> db.count("SELECT count(*) FROM exception_record WHERE id = ?", medi) == 1);

        login(token(List.of(ACME), "operator"));
        assertThat(browser.findElements(By.cssSelector("#tenants a.tenant"))).extracting(WebElement::getText)
                .containsExactly(ACME);
        browser.get(url("/console/t/" + ACME + "/exceptions"));
        assertThat(browser.getPageSource()).contains(resolvedId.toString()).doesNotContain(medi.toString())
                .doesNotContain("CLM-77");
        browser.get(url("/console/t/" + MEDI + "/overview"));
        assertThat(text("error-status")).startsWith("403");
        browser.get(url("/console/t/" + MEDI + "/exceptions/" + medi));
        assertThat(text("error-status")).startsWith("403");
        browser.get(url("/console/t/" + ACME + "/exceptions/" + medi));
        assertThat(text("error-status")).startsWith("404");
        assertThat(browser.getPageSource()).doesNotContain("CLM-77");
        // Operator without the approver role: no approve form and an approval is refused.
        browser.get(url("/console/t/" + ACME + "/exceptions/" + resolvedId));
        assertThat(browser.findElements(By.id("approval-form"))).isEmpty();
    }

    @Test
    @Order(7)
    void actionsNeedTheSessionsCsrfTokenAndPagesSendAContentSecurityPolicy() {
        String token = token(List.of(ACME), "operator", "approver");
        Response page = given().cookie(ConsoleHttp.SESSION_COOKIE, token).get("/console/t/" + ACME + "/overview");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.header("Content-Security-Policy")).contains("default-src 'none'", "script-src 'self'",
                "frame-ancestors 'none'");
        String csrf = page.cookie(ConsoleHttp.CSRF_COOKIE);
        assertThat(csrf).isNotBlank();
        assertThat(page.header("Set-Cookie")).contains("HttpOnly").containsIgnoringCase("SameSite=Strict");

        long dl = poison(ACME, "csrf");
        Response forged = given().cookie(ConsoleHttp.SESSION_COOKIE, token).cookie(ConsoleHttp.CSRF_COOKIE, csrf)
                .formParam("action", "discard").formParam("id", dl).formParam("note", "x").formParam("csrf", "guessed")
                .post("/console/t/" + ACME + "/dead-letters/execute");
        assertThat(forged.statusCode()).isEqualTo(403);
        Response noCookie = given().cookie(ConsoleHttp.SESSION_COOKIE, token)
                .formParam("action", "discard").formParam("id", dl).formParam("note", "x").formParam("csrf", csrf)
                .post("/console/t/" + ACME + "/dead-letters/execute");
        assertThat(noCookie.statusCode()).isEqualTo(403);
        Db db = new Db(dataSource);
        assertThat(db.rows("SELECT status FROM dead_letter WHERE id = ?", dl).get(0)).containsEntry("status", "PENDING");

        Response ok = given().cookie(ConsoleHttp.SESSION_COOKIE, token).cookie(ConsoleHttp.CSRF_COOKIE, csrf)
                .formParam("action", "discard").formParam("id", dl).formParam("note", "x").formParam("csrf", csrf)
                .post("/console/t/" + ACME + "/dead-letters/execute");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(db.rows("SELECT status FROM dead_letter WHERE id = ?", dl).get(0)).containsEntry("status", "DISCARDED");

        // The console's cookie is never a credential for the api.
        given().cookie(ConsoleHttp.SESSION_COOKIE, token).get("/api/v1/tenants/{t}/dead-letters", ACME).then().statusCode(401);
        // Without credentials a page sends the browser to the login page.
        given().redirects().follow(false).get("/console/t/" + ACME + "/overview").then().statusCode(303)
                .header("Location", org.hamcrest.Matchers.endsWith("/console/login"));
    }

    @Test
    @Order(8)
    void lagOfTheRoleThatIsNotRunningDrainsOnThePageOnceItsWorkerStarts() throws Exception {
        browser.manage().deleteAllCookies();
        browser.get(url("/console/login"));
        screenshot("login");
        login(token(List.of(ACME), "operator"));
        // One more closed exception: a record on the feedback group's topic, which nothing consumes yet.
        submit(ACME, settlement(13_700));
        browser.get(url("/console/t/" + ACME + "/queues"));
        ((JavascriptExecutor) browser).executeScript("window.__sameDocument = true;");
        // ... and KEDA would start feedback for it.
        waitFor(d -> feedbackLag(d) > 0 && Integer.parseInt(feedbackCell("td.keda b").getText()) >= 1);

        // Now feedback starts: the packaged app as a feedback worker, on this run's Kafka, schema and packs.
        int http = freePort();
        int management = freePort();
        Path log = Files.createDirectories(Path.of("target/console-browser")).resolve("feedback-worker.log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", "target/quarkus-app/quarkus-run.jar")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(Map.of("WORKER_TYPE", "feedback", "GROUP_INSTANCE_ID", "console-it-feedback-" + schema,
                "KAFKA_BOOTSTRAP_SERVERS", KafkaTestCluster.bootstrapServers(),
                "DB_URL", ExflowTestResources.PG_ADMIN_URL + "?currentSchema=" + schema, "DB_USER", ExflowTestResources.PG_USER,
                "QUARKUS_FLYWAY_SCHEMAS", schema, "REDIS_KEY_PREFIX", schema + ":", "PACKS_DIR", "src/test/resources/packs-test",
                "HTTP_PORT", Integer.toString(http), "MANAGEMENT_PORT", Integer.toString(management)));
        pb.environment().put("LOG_JSON", "false");
        assertThat(Path.of("target/quarkus-app/quarkus-run.jar")).as("the package phase ran").exists();
        Process feedback = pb.start();
        try {
            HttpClient client = HttpClient.newHttpClient();
            HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + management + "/q/health/ready")).build();
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                    .failFast("the feedback worker exited, see " + log, () -> !feedback.isAlive())
                    .ignoreExceptions().until(() -> client.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200);

            // The same page, never reloaded, follows the group's committed offsets down to 0 and KEDA back to its minimum.
            int min = KedaThresholds.fromClasspath().minReplicas(WorkerRole.FEEDBACK);
            waitFor(d -> feedbackLag(d) == 0 && feedbackCell("td.keda b").getText().equals(Integer.toString(min))
                    && !feedbackCell("td.parts").getText().contains("no commits yet")
                    && d.findElements(By.cssSelector("tr[data-group='exflow-feedback'] span.part.lagging")).isEmpty());
            assertThat(((JavascriptExecutor) browser).executeScript("return window.__sameDocument === true;")).isEqualTo(true);
            screenshot("queues-drained");
            // The page's JSON twin (what bin/load prints) says the same.
            given().auth().oauth2(token(List.of(ACME), "operator")).get("/console/t/{t}/queues.json", ACME).then().statusCode(200)
                    .body("lag.find { it.group == 'exflow-feedback' }.totalLag", org.hamcrest.Matchers.is(0))
                    .body("lag.find { it.group == 'exflow-feedback' }.kedaReplicas", org.hamcrest.Matchers.is(min));

            browser.get(url("/console/t/" + ACME + "/workers"));
            waitFor(d -> d.findElement(By.cssSelector("[data-role='feedback']")).getText().equals("1"));
        } finally {
            feedback.destroy(); // SIGTERM: it commits what it holds and leaves the group
            if (!feedback.waitFor(30, TimeUnit.SECONDS)) {
                feedback.destroyForcibly();
            }
        }
    }

    static long feedbackLag(WebDriver d) {
        return Long.parseLong(d.findElement(By.cssSelector("tr[data-group='exflow-feedback'] td.lag")).getText());
    }

    static WebElement feedbackCell(String selector) {
        return browser.findElement(By.cssSelector("tr[data-group='exflow-feedback'] " + selector));
    }

    static int freePort() throws java.io.IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}

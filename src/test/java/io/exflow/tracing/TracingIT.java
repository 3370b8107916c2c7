package io.exflow.tracing;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import io.exflow.api.DevTokens;
import io.exflow.runtime.tracing.Tracing;
import io.exflow.testing.Db;
import io.exflow.testing.ExflowTestResources;
import io.exflow.testing.Roles;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/**
 * One exception through every stage — api, intake, triage, policy, playbook, the Redis tool job,
 * an http tool call, the result, closing and feedback — on real Kafka, PostgreSQL and Redis
 * with tracing on, gives one connected trace with the expected span tree; a dead-lettered event
 * and an SLA alert are tied to the exception's trace. The trace of the first test is drawn as
 * target/trace-waterfall.svg (docs/tracing.md shows it).
 */
@QuarkusTest
@QuarkusTestResource(ExflowTestResources.class)
@TestProfile(Roles.Traced.class)
class TracingIT {
    static final String TENANT = "traced-co";
    static final int TOOL_PORT = 47321; // the endpoint of echo.tool in src/test/resources/packs-traced

    static HttpServer tool;
    static final List<String> toolTraceparents = new CopyOnWriteArrayList<>();

    @Inject
    InMemorySpanExporter spans;
    @Inject
    DataSource dataSource;

    @BeforeAll
    static void serveTheTool() throws IOException {
        tool = HttpServer.create(new InetSocketAddress("127.0.0.1", TOOL_PORT), 0);
        tool.createContext("/tool", exchange -> {
            toolTraceparents.add(String.valueOf(exchange.getRequestHeaders().getFirst("traceparent")));
            exchange.getRequestBody().readAllBytes();
            byte[] body = "{\"echoed\": true}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        tool.start();
    }

    @AfterAll
    static void stopTheTool() {
        tool.stop(0);
    }

    @Test
    void oneExceptionIsOneConnectedTraceAcrossEveryHop() throws IOException {
        Db db = new Db(dataSource);
        UUID id = submit(task(500));
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> db.count(
                "SELECT count(*) FROM exception_record WHERE id = ? AND state = 'RESOLVED'", id) == 1);
        String traceId = traceIdOf((String) db.rows("SELECT trace_parent FROM exception_record WHERE id = ?", id).get(0)
                .get("trace_parent"));

        // feedback's handler span of the closed event is the last hop
        List<SpanData> trace = awaitTrace(traceId, t -> t.stream().anyMatch(s -> s.getName().equals("handle exflow.exception.closed")
                && "exflow-feedback".equals(s.getAttributes().get(Tracing.CONSUMER)) && s.hasEnded()));
        Map<String, SpanData> byId = trace.stream().collect(Collectors.toMap(SpanData::getSpanId, s -> s, (a, b) -> a));

        // connected: one root (the api request), every other span's parent is in the trace
        List<SpanData> roots = trace.stream().filter(s -> !byId.containsKey(s.getParentSpanId())).toList();
        assertThat(roots).extracting(SpanData::getKind).containsExactly(SpanKind.SERVER);
        assertThat(roots.get(0).getName()).contains("/api/v1/tenants/");

        // the handlers, in the order the stages ran, each a descendant of the one before
        SpanData feedback = trace.stream().filter(s -> s.getName().equals("handle exflow.exception.closed")
                && "exflow-feedback".equals(s.getAttributes().get(Tracing.CONSUMER))).findFirst().orElseThrow();
        assertThat(ancestors(feedback, byId).stream().map(s -> s.getName() + " @" + s.getAttributes().get(Tracing.CONSUMER))
                .filter(n -> n.startsWith("handle ")).toList()).containsExactly(
                        "handle exflow.exception.ingested @exflow-intake",
                        "handle exflow.exception.normalized @exflow-triage",
                        "handle exflow.exception.triaged @exflow-policy",
                        "handle exflow.exception.decided @exflow-playbook",
                        "handle exflow.tool.job @exflow-tool",
                        "handle exflow.tool.result @exflow-playbook");

        // every handler runs inside its lane's transaction span, and carries the event's ids
        for (SpanData handler : trace.stream().filter(s -> s.getName().startsWith("handle ")).toList()) {
            assertThat(handler.getKind()).isEqualTo(SpanKind.CONSUMER);
            assertThat(handler.getAttributes().get(Tracing.TENANT)).isEqualTo(TENANT);
            assertThat(handler.getAttributes().get(Tracing.EXCEPTION)).isEqualTo(id.toString());
            assertThat(handler.getAttributes().get(Tracing.EVENT_ID)).isNotBlank();
            SpanData parent = byId.get(handler.getParentSpanId());
            if (parent.getName().startsWith("exflow.transaction ")) { // a lane of one: its transaction is in the trace
                assertThat(parent.getAttributes().get(Tracing.EVENT_ID)).isEqualTo(handler.getAttributes().get(Tracing.EVENT_ID));
                assertThat(parent.getAttributes().get(Tracing.EXCEPTION)).isEqualTo(id.toString());
            } else { // batched with another exception's events: linked to the lane's transaction instead
                assertThat(handler.getLinks()).hasSize(1);
            }
        }

        // every emitted event was published (Kafka topics and the Redis tool queue) with its ids
        List<String> published = trace.stream().filter(s -> s.getKind() == SpanKind.PRODUCER && s.getName().startsWith("publish "))
                .peek(s -> assertThat(s.getAttributes().get(Tracing.EXCEPTION)).isEqualTo(id.toString()))
                .peek(s -> assertThat(s.getAttributes().get(Tracing.EVENT_ID)).isNotBlank())
                .map(s -> s.getAttributes().get(Tracing.DESTINATION)).toList();
        assertThat(published).contains("exflow.exceptions.ingested", "exflow.exceptions.normalized",
                "exflow.exceptions.triaged", "exflow.exceptions.decided", "exflow.tools.results", "exflow.exceptions.closed");
        assertThat(published).anyMatch(d -> d.contains("jobs:tool"));

        // the tool call: a client span under the playbook's handler, and the http request carried it
        SpanData call = trace.stream().filter(s -> s.getName().equals("tool echo.tool")).findFirst().orElseThrow();
        assertThat(call.getKind()).isEqualTo(SpanKind.CLIENT);
        assertThat(byId.get(call.getParentSpanId()).getName()).isEqualTo("handle exflow.exception.decided");
        assertThat(toolTraceparents).contains("00-" + traceId + "-" + call.getSpanId() + "-01");

        // the Kafka records carry the trace as the CloudEvents extension
        assertThat(io.exflow.testing.TestKafka.readAll("exflow.exceptions.closed").stream()
                .filter(r -> id.toString().equals(r.header("ce_exceptionid"))).map(r -> r.header("ce_traceparent")))
                .singleElement().asString().startsWith("00-" + traceId + "-");

        Path svg = Path.of("target", "trace-waterfall.svg");
        Files.writeString(svg, TraceWaterfall.svg(trace, "one exception, api to feedback"));
    }

    @Test
    void aDeadLetteredEventIsInTheTraceOfItsRequest() {
        Db db = new Db(dataSource);
        UUID id = submit("""
                {"type": "TRACED_TASK", "source": "qa", "entity": "T-9", "timestamp": "%s"}"""
                .formatted(OffsetDateTime.now().minusMinutes(1))); // no ticket: intake dead-letters it
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(200)).until(() -> db.count(
                "SELECT count(*) FROM dead_letter WHERE exception_id = ?", id) == 1);
        Map<String, Object> dead = db.rows("SELECT reason, headers->>'ce_traceparent' AS tp FROM dead_letter WHERE exception_id = ?", id)
                .get(0);
        assertThat(dead.get("reason")).isEqualTo("VALIDATION_FAILED");
        String traceId = traceIdOf((String) dead.get("tp"));

        List<SpanData> trace = awaitTrace(traceId, t -> t.stream().anyMatch(s -> s.getName().equals("exflow.dead_lettered")));
        Map<String, SpanData> byId = trace.stream().collect(Collectors.toMap(SpanData::getSpanId, s -> s, (a, b) -> a));
        SpanData deadLettered = trace.stream().filter(s -> s.getName().equals("exflow.dead_lettered")).findFirst().orElseThrow();
        assertThat(deadLettered.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(deadLettered.getAttributes().get(Tracing.REASON)).isEqualTo("VALIDATION_FAILED");
        assertThat(deadLettered.getAttributes().get(Tracing.EXCEPTION)).isEqualTo(id.toString());
        assertThat(deadLettered.getAttributes().get(Tracing.CONSUMER)).isEqualTo("exflow-intake");
        assertThat(byId.get(deadLettered.getParentSpanId()).getKind()).isEqualTo(SpanKind.SERVER); // the api request
        assertThat(trace).anySatisfy(s -> {
            assertThat(s.getName()).isEqualTo("handle exflow.exception.ingested");
            assertThat(s.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        });
    }

    @Test
    void anSlaAlertLinksToTheExceptionsTrace() {
        Db db = new Db(dataSource);
        UUID id = submit(task(250_000)); // above the tenant's approval threshold: stays open
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(200)).until(() -> db.count(
                "SELECT count(*) FROM exception_record WHERE id = ? AND state = 'AWAITING_APPROVAL'", id) == 1);
        String traceparent = (String) db.rows("SELECT trace_parent FROM exception_record WHERE id = ?", id).get(0).get("trace_parent");
        db.execute("UPDATE exception_record SET sla_deadline = now() - interval '1 minute' WHERE id = ?", id);

        SpanData alert = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(
                () -> spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals("exflow.sla_alert breached")
                        && id.toString().equals(s.getAttributes().get(Tracing.EXCEPTION))).findFirst(), Optional::isPresent).get();
        assertThat(alert.getTraceId()).isNotEqualTo(traceIdOf(traceparent)); // a trace of its own ...
        assertThat(alert.getLinks()).anySatisfy(link -> { // ... linked to the exception's
            assertThat(link.getSpanContext().getTraceId()).isEqualTo(traceIdOf(traceparent));
            assertThat(link.getSpanContext().getSpanId()).isEqualTo(traceparent.split("-")[2]);
        });
        // feedback records the alert in the alert's trace
        awaitTrace(alert.getTraceId(), t -> t.stream().anyMatch(s -> s.getName().equals("handle exflow.sla.alert")));
    }

    private static String task(long amount) {
        return """
                {"type": "TRACED_TASK", "source": "qa", "entity": "T-%d", "amount": %d, "currency": "USD",
                 "timestamp": "%s", "ticket": "TCK-%d"}""".formatted(amount, amount, OffsetDateTime.now().minusMinutes(1), amount);
    }

    private static UUID submit(String body) {
        String token = DevTokens.token("tracer", List.of(TENANT), List.of("ingest", "operator", "approver"));
        String id = given().auth().oauth2(token).contentType("application/json").body(body)
                .post("/api/v1/tenants/{t}/exceptions", TENANT).then().statusCode(202).extract().path("exceptionId");
        return UUID.fromString(id);
    }

    private static String traceIdOf(String traceparent) {
        assertThat(traceparent).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]");
        return traceparent.split("-")[1];
    }

    private List<SpanData> awaitTrace(String traceId, Predicate<List<SpanData>> complete) {
        return await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> spans.getFinishedSpanItems()
                .stream().filter(s -> s.getTraceId().equals(traceId)).toList(), complete);
    }

    private static List<SpanData> ancestors(SpanData span, Map<String, SpanData> byId) {
        List<SpanData> chain = new ArrayList<>();
        for (SpanData s = byId.get(span.getParentSpanId()); s != null; s = byId.get(s.getParentSpanId())) {
            chain.add(0, s);
        }
        return chain;
    }
}

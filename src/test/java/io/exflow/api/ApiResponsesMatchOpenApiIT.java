package io.exflow.api;

import static io.exflow.api.ApiTestSupport.ACME;
import static io.exflow.api.ApiTestSupport.as;
import static io.exflow.api.ApiTestSupport.awaitState;
import static io.exflow.api.ApiTestSupport.awaitingApproval;
import static io.exflow.api.ApiTestSupport.settlement;
import static io.exflow.api.ApiTestSupport.submit;
import static io.exflow.api.ApiTestSupport.tokenFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import io.exflow.runtime.config.ExflowSettings;
import io.exflow.testing.Db;
import io.exflow.testing.ExflowTestResources;
import io.exflow.testing.Roles;
import io.exflow.testing.TestEvents;
import io.exflow.testing.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/**
 * Real responses of every api route validated against the OpenAPI document the application
 * serves (the one committed as docs/openapi.yaml, see OpenApiDocIT), with a JSON Schema 2020-12
 * validator (OpenAPI 3.1's schema dialect). Stricter than the document alone: Jackson writes every
 * record component, nulls included, so each documented property must be present (null only where
 * the document says nullable) unless the schema lists its required ones (Problem omits a null
 * detail), and an undocumented property fails.
 */
@QuarkusTest
@QuarkusTestResource(ExflowTestResources.class)
@TestProfile(Roles.ApiIntakeAndTriage.class)
class ApiResponsesMatchOpenApiIT {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String EXCEPTIONS = "/api/v1/tenants/{tenant}/exceptions";
    static final String DEAD_LETTERS = "/api/v1/tenants/{tenant}/dead-letters";
    static final String TENANTS = "/api/v1/tenants/{tenant}";

    @TestHTTPResource(value = "/", management = true)
    URL managementRoot;
    @Inject
    DataSource dataSource;
    @Inject
    ExflowSettings settings;

    JsonNode document() throws Exception {
        URI uri = URI.create("http://" + managementRoot.getHost() + ":" + managementRoot.getPort() + "/q/openapi?format=json");
        HttpResponse<String> served = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(served.statusCode()).isEqualTo(200);
        return MAPPER.readTree(served.body());
    }

    /** The components with every object's properties required and no others allowed. */
    static ObjectNode strictComponents(JsonNode document) {
        ObjectNode components = document.get("components").deepCopy();
        components.remove("securitySchemes");
        for (JsonNode schema : components.get("schemas")) {
            if (schema instanceof ObjectNode object && object.has("properties")) {
                if (!object.has("required")) { // a schema that says what is required (Problem) keeps its word
                    ArrayNode required = object.putArray("required");
                    object.get("properties").fieldNames().forEachRemaining(required::add);
                }
                if (!object.has("additionalProperties")) {
                    object.put("additionalProperties", false);
                }
            }
        }
        return components;
    }

    /** The schema of one documented response: fails if the document does not describe it. */
    static JsonSchema responseSchema(JsonNode document, String path, String method, int status, String mediaType) {
        JsonNode responses = document.path("paths").path(path).path(method).path("responses");
        // The 400/401/403 entries smallrye adds carry only a description; the body of every error is the default's.
        JsonNode specific = responses.path(Integer.toString(status));
        JsonNode response = specific.path("content").has(mediaType) ? specific : responses.get("default");
        assertThat(response).as("%s %s documents a %d response", method, path, status).isNotNull();
        JsonNode schema = response.path("content").path(mediaType).path("schema");
        assertThat(schema.isObject()).as("%s %s %d has a %s schema", method, path, status, mediaType).isTrue();
        ObjectNode root = schema.deepCopy();
        root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        root.set("components", strictComponents(document));
        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(root);
    }

    static void assertMatches(JsonNode document, String path, String method, Response response) throws Exception {
        String mediaType = response.statusCode() >= 400 ? Problem.MEDIA_TYPE : "application/json";
        assertThat(response.contentType()).startsWith(mediaType);
        JsonNode body = MAPPER.readTree(response.asString());
        Set<ValidationMessage> problems = responseSchema(document, path, method, response.statusCode(), mediaType)
                .validate(body);
        assertThat(problems).as("%s %s %d: %s", method, path, response.statusCode(), body).isEmpty();
    }

    long poison(Db db) {
        UUID eventId = UUID.randomUUID();
        UUID exceptionId = UUID.randomUUID();
        TestKafka.send(settings.topics().ingested(), ACME + ":" + exceptionId,
                TestEvents.headers(eventId, "exflow.exception.ingested", ACME, exceptionId),
                TestEvents.json("{\"type\": \"NOT_A_FINANCE_TYPE\", \"source\": \"x\"}"));
        await().atMost(Duration.ofSeconds(30)).until(() -> db.count(
                "SELECT count(*) FROM dead_letter WHERE event_id = ? AND status = 'PENDING'", eventId) == 1);
        return ((Number) db.rows("SELECT id FROM dead_letter WHERE event_id = ?", eventId).get(0).get("id")).longValue();
    }

    @Test
    void everyRouteAnswersAsTheOpenApiDocumentSays() throws Exception {
        JsonNode doc = document();
        Db db = new Db(dataSource);
        String ingest = tokenFor(ACME, "ingest");
        String operator = tokenFor(ACME, "operator");

        Response accepted = submit(ingest, ACME, settlement(4_200));
        assertMatches(doc, EXCEPTIONS, "post", accepted);
        UUID id = UUID.fromString(accepted.jsonPath().getString("exceptionId"));
        // Right after the 202 the view may still be RECEIVED (every field but three null): both shapes are documented.
        assertMatches(doc, EXCEPTIONS + "/{id}", "get", as(ingest).get("/api/v1/tenants/{t}/exceptions/{id}", ACME, id));
        awaitState(db, id, "TRIAGED");
        assertMatches(doc, EXCEPTIONS + "/{id}", "get", as(ingest).get("/api/v1/tenants/{t}/exceptions/{id}", ACME, id));
        Response timeline = as(operator).get("/api/v1/tenants/{t}/exceptions/{id}/timeline", ACME, id);
        assertThat(timeline.jsonPath().getList("eventType")).contains("exflow.exception.ingested",
                "exflow.exception.triaged");
        assertMatches(doc, EXCEPTIONS + "/{id}/timeline", "get", timeline);

        UUID awaiting = awaitingApproval(db, ACME, "settlement-retry");
        Response approval = as(tokenFor(ACME, "approver")).contentType("application/json")
                .body("{\"approve\": true, \"comment\": \"ok\"}").post("/api/v1/tenants/{t}/exceptions/{id}/approval", ACME, awaiting);
        assertThat(approval.statusCode()).isEqualTo(200);
        assertMatches(doc, EXCEPTIONS + "/{id}/approval", "post", approval);
        Response answered = as(operator).get("/api/v1/tenants/{t}/exceptions/{id}", ACME, awaiting);
        assertThat(answered.jsonPath().getBoolean("approval.approved")).isTrue();
        assertMatches(doc, EXCEPTIONS + "/{id}", "get", answered);

        long replayOne = poison(db);
        long discardOne = poison(db);
        long batchOne = poison(db);
        Response list = as(operator).get("/api/v1/tenants/{t}/dead-letters?limit=2", ACME);
        assertThat(list.jsonPath().getList("items")).hasSize(2);
        assertMatches(doc, DEAD_LETTERS, "get", list);
        assertMatches(doc, DEAD_LETTERS + "/stats", "get", as(operator).get("/api/v1/tenants/{t}/dead-letters/stats", ACME));
        assertMatches(doc, DEAD_LETTERS + "/{id}", "get", as(operator).get("/api/v1/tenants/{t}/dead-letters/{id}", ACME, replayOne));
        assertMatches(doc, DEAD_LETTERS + "/{id}/replay", "post", as(operator).contentType("application/json").body("{}")
                .post("/api/v1/tenants/{t}/dead-letters/{id}/replay", ACME, replayOne));
        assertMatches(doc, DEAD_LETTERS + "/{id}/discard", "post", as(operator).contentType("application/json")
                .body("{\"reason\": \"duplicate of another\"}").post("/api/v1/tenants/{t}/dead-letters/{id}/discard", ACME, discardOne));
        Response batch = as(operator).contentType("application/json")
                .body("{\"ids\": [" + batchOne + ", " + discardOne + "]}").post("/api/v1/tenants/{t}/dead-letters/replay", ACME);
        assertThat(batch.jsonPath().getList("replayed", Long.class)).containsExactly(batchOne);
        assertThat(batch.jsonPath().getLong("skipped[0].id")).isEqualTo(discardOne);
        assertMatches(doc, DEAD_LETTERS + "/replay", "post", batch);

        String admin = DevTokens.token("platform-admin-1", java.util.List.of("*"), java.util.List.of("operator"));
        assertMatches(doc, TENANTS + "/status", "get", as(operator).get("/api/v1/tenants/{t}/status", ACME));
        assertMatches(doc, TENANTS + "/reactivate", "post", as(admin).contentType("application/json").body("{}")
                .post("/api/v1/tenants/{t}/reactivate", ACME));
        assertMatches(doc, TENANTS + "/suspend", "post", as(admin).contentType("application/json").body("{}")
                .post("/api/v1/tenants/{t}/suspend", ACME)); // no reason: 400

        // Errors: problem+json as documented by every route's default response.
        assertMatches(doc, EXCEPTIONS + "/{id}", "get", as(ingest).get("/api/v1/tenants/{t}/exceptions/{id}", ACME, UUID.randomUUID()));
        assertMatches(doc, DEAD_LETTERS + "/{id}/discard", "post", as(operator).contentType("application/json").body("{}")
                .post("/api/v1/tenants/{t}/dead-letters/{id}/discard", ACME, batchOne));
    }

    @Test
    void everyOperationDocumentsItsSuccessAndItsProblems() throws Exception {
        JsonNode paths = document().get("paths");
        int operations = 0;
        for (Iterator<Map.Entry<String, JsonNode>> p = paths.fields(); p.hasNext();) {
            Map.Entry<String, JsonNode> path = p.next();
            for (Iterator<Map.Entry<String, JsonNode>> o = path.getValue().fields(); o.hasNext();) {
                Map.Entry<String, JsonNode> operation = o.next();
                JsonNode responses = operation.getValue().get("responses");
                String name = operation.getKey() + " " + path.getKey();
                assertThat(responses.fieldNames()).toIterable().as(name).anyMatch(code -> code.matches("2\\d\\d"));
                responses.fields().forEachRemaining(r -> {
                    if (r.getKey().matches("2\\d\\d")) {
                        assertThat(r.getValue().path("content").path("application/json").path("schema").isObject())
                                .as("%s %s has a JSON schema", name, r.getKey()).isTrue();
                    }
                });
                assertThat(responses.path("default").path("content").has(Problem.MEDIA_TYPE)).as(name).isTrue();
                operations++;
            }
        }
        assertThat(operations).isEqualTo(13);
    }
}

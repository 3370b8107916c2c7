package io.exflow.api;

import static io.exflow.api.ApiTestSupport.ACME;
import static io.exflow.api.ApiTestSupport.MEDI;
import static io.exflow.api.ApiTestSupport.as;
import static io.exflow.api.ApiTestSupport.settlement;
import static io.exflow.api.ApiTestSupport.submit;
import static io.exflow.api.ExceptionsApiIT.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.exflow.testing.ExflowTestResources;
import io.exflow.testing.KeycloakTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * The api against the real Keycloak server: a calling system gets a token with the
 * client-credentials grant, its realm roles {@code exflow:<tenant>:<role>} are its grants, and
 * when the realm's signing key is rotated through Keycloak's admin API (a new RSA key provider,
 * the old one removed) the api accepts tokens of the new key without a restart and refuses a token
 * of the removed one.
 */
@QuarkusTest
@QuarkusTestResource(ExflowTestResources.class)
@QuarkusTestResource(value = KeycloakTestResource.class, restrictToAnnotatedClass = true)
@TestProfile(IdentityProviderTokensIT.ApiWithIdentityProvider.class)
class KeycloakTokensIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Read when used: every test class is validated at each app start, also those of other profiles. */
    private static String keycloak() {
        return ConfigProvider.getConfig().getValue(KeycloakTestResource.URL_PROPERTY, String.class);
    }

    @Test
    void realmRolesAreTenantScopedGrantsAndARotatedRealmKeyIsFollowedWithoutARestart() throws Exception {
        String before = clientToken();
        assertThat(claims(before).path("realm_access").path("roles").toString()).contains("exflow:acme-bank:operator");
        as(before).get("/api/v1/tenants/{t}/dead-letters", ACME).then().statusCode(200);
        submit(before, MEDI, settlement(7_001)).then().statusCode(202);
        assertThat(as(before).get("/api/v1/tenants/{t}/dead-letters", MEDI).then().statusCode(403)
                .extract().jsonPath().getString("type")).endsWith("role-forbidden");
        assertProblem(submit(before, ACME, settlement(7_002)), 403);

        rotateRealmKey();
        String after = clientToken();
        assertThat(kid(after)).isNotEqualTo(kid(before));
        as(after).get("/api/v1/tenants/{t}/dead-letters", ACME).then().statusCode(200);
        Response removedKey = as(before).get("/api/v1/tenants/{t}/dead-letters", ACME);
        assertProblem(removedKey, 401);
    }

    /** A new RSA signing key with a higher priority, then every older RSA signing key removed. */
    private void rotateRealmKey() throws Exception {
        String admin = form("/realms/master/protocol/openid-connect/token", Map.of("grant_type", "password",
                "client_id", "admin-cli", "username", KeycloakTestResource.ADMIN,
                "password", KeycloakTestResource.ADMIN_PASSWORD)).path("access_token").asText();
        JsonNode providers = JSON.readTree(adminCall("GET",
                "/admin/realms/exflow/components?type=org.keycloak.keys.KeyProvider", admin, null).body());
        List<String> oldSigningKeys = new java.util.ArrayList<>();
        for (JsonNode p : providers) {
            if ("rsa-generated".equals(p.path("providerId").asText())) {
                oldSigningKeys.add(p.path("id").asText());
            }
        }
        assertThat(oldSigningKeys).isNotEmpty();
        String provider = JSON.writeValueAsString(Map.of("name", "rsa-rotated", "providerId", "rsa-generated",
                "providerType", "org.keycloak.keys.KeyProvider", "parentId", "exflow",
                "config", Map.of("priority", List.of("500"), "keySize", List.of("2048"), "algorithm", List.of("RS256"))));
        assertThat(adminCall("POST", "/admin/realms/exflow/components", admin, provider).statusCode()).isEqualTo(201);
        for (String id : oldSigningKeys) {
            assertThat(adminCall("DELETE", "/admin/realms/exflow/components/" + id, admin, null).statusCode()).isEqualTo(204);
        }
    }

    private String clientToken() throws Exception {
        return form("/realms/exflow/protocol/openid-connect/token", Map.of("grant_type", "client_credentials",
                "client_id", KeycloakTestResource.CLIENT, "client_secret", KeycloakTestResource.CLIENT_SECRET))
                .path("access_token").asText();
    }

    private JsonNode form(String path, Map<String, String> fields) throws IOException, InterruptedException {
        StringBuilder body = new StringBuilder();
        fields.forEach((k, v) -> body.append(body.isEmpty() ? "" : "&").append(k).append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(keycloak() + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private HttpResponse<String> adminCall(String method, String path, String token, String json)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(keycloak() + path)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode claims(String jwt) throws IOException {
        return JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
    }

    private static String kid(String jwt) throws IOException {
        return JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[0])).path("kid").asText();
    }
}

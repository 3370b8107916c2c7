package io.exflow.api;

import static io.exflow.api.ApiTestSupport.ACME;
import static io.exflow.api.ApiTestSupport.MEDI;
import static io.exflow.api.ApiTestSupport.as;
import static io.exflow.api.ApiTestSupport.settlement;
import static io.exflow.api.ApiTestSupport.submit;
import static io.exflow.api.ExceptionsApiIT.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.exflow.testing.ExflowTestResources;
import io.exflow.testing.KeycloakClient;
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
    private static final ObjectMapper JSON = new ObjectMapper();

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
        JsonNode providers = KeycloakClient.json(KeycloakClient.admin("GET",
                "/admin/realms/exflow/components?type=org.keycloak.keys.KeyProvider", null).body());
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
        assertThat(KeycloakClient.admin("POST", "/admin/realms/exflow/components", provider).statusCode()).isEqualTo(201);
        for (String id : oldSigningKeys) {
            assertThat(KeycloakClient.admin("DELETE", "/admin/realms/exflow/components/" + id, null).statusCode())
                    .isEqualTo(204);
        }
    }

    private static String clientToken() throws Exception {
        return KeycloakClient.clientToken();
    }

    private static JsonNode claims(String jwt) throws IOException {
        return JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
    }

    private static String kid(String jwt) throws IOException {
        return JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[0])).path("kid").asText();
    }
}

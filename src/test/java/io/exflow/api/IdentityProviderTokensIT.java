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
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.exflow.testing.ExflowTestResources;
import io.exflow.testing.TestIdentityProvider;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * The api with tokens from an identity provider (TestIdentityProvider: a JWKS endpoint whose keys
 * rotate during the test, and a token endpoint): keys fetched from the JWKS URL and rotation
 * honoured without a restart, issuer, audience, maximum age and clock skew checked, and tenants
 * and roles mapped from configurable claims — Keycloak-style realm roles named
 * {@code exflow:<tenant>:<role>} here. Every refusal is a 401/403 problem.
 */
@QuarkusTest
@QuarkusTestResource(ExflowTestResources.class)
@QuarkusTestResource(value = TestIdentityProvider.class, restrictToAnnotatedClass = true)
@TestProfile(IdentityProviderTokensIT.ApiWithIdentityProvider.class)
class IdentityProviderTokensIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The api alone, mapping roles from Keycloak's realm_access.roles, with tight token-age and skew limits. */
    public static final class ApiWithIdentityProvider implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("exflow.worker-type", "api",
                    "exflow.api.auth.roles-claim", "realm_access.roles",
                    "mp.jwt.verify.token.age", "300",
                    "mp.jwt.verify.clock.skew", "30",
                    // every token with an unknown kid may fetch the JWKS again (production: at most once a minute)
                    "smallrye.jwt.jwks.forced-refresh-interval", "0");
        }
    }

    /** Read when used: every test class is validated at each app start, also those of other profiles. */
    private static String idp() {
        return ConfigProvider.getConfig().getValue(TestIdentityProvider.URL_PROPERTY, String.class);
    }

    @Test
    void rotatedKeysAreHonouredWithoutARestartAndAWithdrawnKeyIsRefused() throws Exception {
        String operator = "exflow:" + ACME + ":operator";
        as(token(claims(operator), null)).get("/api/v1/tenants/{t}/dead-letters", ACME).then().statusCode(200);
        int fetchesBefore = fetches();

        Map<?, ?> rotation = JSON.readValue(post("/rotate", ""), Map.class);
        String newKid = (String) rotation.get("kid");
        @SuppressWarnings("unchecked")
        String withdrawnKid = ((List<String>) rotation.get("withdrawn")).get(0);
        assertThat(newKid).isNotEqualTo(withdrawnKid);

        // a token signed by the new key: unknown kid → the api fetches the JWKS again and accepts it
        as(token(claims(operator), newKid)).get("/api/v1/tenants/{t}/dead-letters", ACME).then().statusCode(200);
        assertThat(fetches()).isGreaterThan(fetchesBefore);
        // a fresh token signed by the withdrawn key: no longer in the key set
        Response withdrawn = as(token(claims(operator), withdrawnKid)).get("/api/v1/tenants/{t}/dead-letters", ACME);
        assertProblem(withdrawn, 401);
        assertThat(withdrawn.header("WWW-Authenticate")).isEqualTo("Bearer");
    }

    @Test
    void issuerAudienceAgeAndExpiryAreChecked() throws Exception {
        String operator = "exflow:" + ACME + ":operator";
        long now = Instant.now().getEpochSecond();

        Map<String, Object> wrongIssuer = claims(operator);
        wrongIssuer.put("iss", "https://someone-else.example.com/realms/exflow");
        assertProblem(as(token(wrongIssuer, null)).get("/api/v1/tenants/{t}/dead-letters", ACME), 401);

        Map<String, Object> wrongAudience = claims(operator);
        wrongAudience.put("aud", "another-api");
        assertProblem(as(token(wrongAudience, null)).get("/api/v1/tenants/{t}/dead-letters", ACME), 401);

        Map<String, Object> noAudience = claims(operator);
        noAudience.remove("aud");
        assertProblem(as(token(noAudience, null)).get("/api/v1/tenants/{t}/dead-letters", ACME), 401);

        Map<String, Object> tooOld = claims(operator); // unexpired, but issued longer ago than the 300 s allowed
        tooOld.put("iat", now - 600);
        tooOld.put("exp", now + 3600);
        assertProblem(as(token(tooOld, null)).get("/api/v1/tenants/{t}/dead-letters", ACME), 401);

        Map<String, Object> expiredWithinSkew = claims(operator); // 30 s of clock skew tolerated
        expiredWithinSkew.put("iat", now - 60);
        expiredWithinSkew.put("exp", now - 5);
        as(token(expiredWithinSkew, null)).get("/api/v1/tenants/{t}/dead-letters", ACME).then().statusCode(200);

        Map<String, Object> expired = claims(operator);
        expired.put("iat", now - 180);
        expired.put("exp", now - 120);
        assertProblem(as(token(expired, null)).get("/api/v1/tenants/{t}/dead-letters", ACME), 401);
    }

    @Test
    void tenantsAndRolesComeFromTenantScopedRealmRoles() throws Exception {
        String mixed = token(claims("exflow:" + ACME + ":operator", "exflow:" + MEDI + ":ingest", "offline_access"), null);
        as(mixed).get("/api/v1/tenants/{t}/dead-letters", ACME).then().statusCode(200);
        submit(mixed, MEDI, settlement(4_242)).then().statusCode(202);

        // operator of acme-bank only: not an operator of medicare-plus, nor an ingester of acme-bank
        Response notOperatorThere = as(mixed).get("/api/v1/tenants/{t}/dead-letters", MEDI);
        assertProblem(notOperatorThere, 403);
        assertThat(notOperatorThere.jsonPath().getString("type")).endsWith("role-forbidden");
        Response notIngestHere = submit(mixed, ACME, settlement(4_243));
        assertProblem(notIngestHere, 403);
        assertThat(notIngestHere.jsonPath().getString("type")).endsWith("role-forbidden");
        // a tenant it holds nothing in, and the platform-admin-only unattributed dead letters
        Response otherTenant = as(mixed).get("/api/v1/tenants/{t}/dead-letters", "dormant-co");
        assertProblem(otherTenant, 403);
        assertThat(otherTenant.jsonPath().getString("type")).endsWith("tenant-forbidden");
        assertProblem(as(mixed).get("/api/v1/tenants/{t}/dead-letters", Tenants.UNATTRIBUTED), 403);

        String admin = token(claims("exflow:*:operator"), null);
        as(admin).get("/api/v1/tenants/{t}/dead-letters", Tenants.UNATTRIBUTED).then().statusCode(200);
        as(admin).get("/api/v1/tenants/{t}/dead-letters", MEDI).then().statusCode(200);

        // roles outside the mapping grant nothing: authenticated, but no role anywhere
        Response nothing = as(token(claims("offline_access", "uma_authorization"), null))
                .get("/api/v1/tenants/{t}/dead-letters", ACME);
        assertProblem(nothing, 403);
        assertThat(nothing.jsonPath().getString("type")).endsWith("role-forbidden");
    }

    @Test
    void theCommittedDevKeysTokensAreRefusedWhenTheProviderIsConfigured() {
        assertProblem(as(DevTokens.token("mallory", List.of("*"), ApiTestSupport.ALL_ROLES))
                .get("/api/v1/tenants/{t}/dead-letters", ACME), 401);
    }

    /** Claims as a Keycloak access token carries them: issuer, audience, subject, times, realm roles. */
    private Map<String, Object> claims(String... realmRoles) {
        long now = Instant.now().getEpochSecond();
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("iss", idp() + "/realms/exflow");
        c.put("aud", TestIdentityProvider.AUDIENCE);
        c.put("sub", "f3b1c2d4-operator");
        c.put("preferred_username", "olivia");
        c.put("iat", now);
        c.put("exp", now + 300);
        c.put("realm_access", Map.of("roles", List.of(realmRoles)));
        return c;
    }

    private String token(Map<String, Object> claims, String kid) throws IOException, InterruptedException {
        return post("/token" + (kid == null ? "" : "?kid=" + kid), JSON.writeValueAsString(claims));
    }

    private int fetches() throws IOException, InterruptedException {
        return Integer.parseInt(HTTP.send(HttpRequest.newBuilder(URI.create(idp() + "/fetches")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    private String post(String path, String body) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(idp() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }
}

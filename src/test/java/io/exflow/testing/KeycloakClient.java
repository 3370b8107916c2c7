package io.exflow.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.eclipse.microprofile.config.ConfigProvider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Talks to the Keycloak server of {@link KeycloakTestResource}: tokens of the realm's clients and
 * calls to its admin REST API (key rotation, session lifetimes), for every test that uses it.
 */
public final class KeycloakClient {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private KeycloakClient() {
    }

    /** Read when used: every test class is validated at each app start, also those of other profiles. */
    public static String base() {
        return ConfigProvider.getConfig().getValue(KeycloakTestResource.URL_PROPERTY, String.class);
    }

    /** The exflow realm's URL (its issuer). */
    public static String realm() {
        return base() + "/realms/exflow";
    }

    /** An access token of the calling system {@code billing-feed} (client-credentials grant). */
    public static String clientToken() throws IOException, InterruptedException {
        return form("/realms/exflow/protocol/openid-connect/token", Map.of("grant_type", "client_credentials",
                "client_id", KeycloakTestResource.CLIENT, "client_secret", KeycloakTestResource.CLIENT_SECRET))
                .path("access_token").asText();
    }

    /** A form POST that must answer 200 with JSON. */
    public static JsonNode form(String path, Map<String, String> fields) throws IOException, InterruptedException {
        StringBuilder body = new StringBuilder();
        fields.forEach((k, v) -> body.append(body.isEmpty() ? "" : "&").append(k).append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base() + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /** A call to the admin REST API as the bootstrap admin; {@code json} is the body or null. */
    public static HttpResponse<String> admin(String method, String path, String json) throws IOException, InterruptedException {
        String token = form("/realms/master/protocol/openid-connect/token", Map.of("grant_type", "password",
                "client_id", "admin-cli", "username", KeycloakTestResource.ADMIN,
                "password", KeycloakTestResource.ADMIN_PASSWORD)).path("access_token").asText();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The exflow realm's settings, partly: only the fields given change (e.g. ssoSessionMaxLifespan). */
    public static void updateRealm(Map<String, Object> fields) throws IOException, InterruptedException {
        HttpResponse<String> r = admin("PUT", "/admin/realms/exflow", JSON.writeValueAsString(fields));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
    }

    /**
     * Ends every session of a realm user at the provider, as an administrator signing them out
     * everywhere would (Keycloak's admin API: users/{id}/logout); their refresh tokens are refused from then on.
     */
    public static void endSessionsOf(String username) throws IOException, InterruptedException {
        HttpResponse<String> found = admin("GET", "/admin/realms/exflow/users?exact=true&username="
                + URLEncoder.encode(username, StandardCharsets.UTF_8), null);
        assertThat(found.statusCode()).as(found.body()).isEqualTo(200);
        JsonNode users = JSON.readTree(found.body());
        assertThat(users).as(found.body()).hasSize(1);
        HttpResponse<String> r = admin("POST", "/admin/realms/exflow/users/" + users.get(0).path("id").asText() + "/logout", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
    }

    public static JsonNode json(String body) throws IOException {
        return JSON.readTree(body);
    }
}

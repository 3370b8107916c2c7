package io.exflow.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * The real Keycloak server (org.keycloak:keycloak-quarkus-dist, unpacked by the build to
 * target/keycloak) in dev mode on a free port, with the realm of
 * src/test/resources/keycloak/exflow-realm.json imported: client {@code exflow-api} (the audience),
 * client {@code billing-feed} whose service account holds the realm roles
 * {@code exflow:acme-bank:operator} and {@code exflow:medicare-plus:ingest}; client
 * {@code exflow-console} (authorization-code sign-in, realm roles in the ID token) and the users
 * {@code olivia} (operator of acme-bank, approver of medicare-plus) and {@code nora} (no exflow role).
 * Points the api at the realm's JWKS, issuer and audience and the console's OIDC tenant at the realm
 * (used when a test profile turns it on); the app's test port is chosen here, because the console
 * client's redirect URIs name it. Start-up measured here: docs/security.md.
 */
public class KeycloakTestResource implements QuarkusTestResourceLifecycleManager {
    public static final String URL_PROPERTY = "exflow.test.keycloak-url";
    public static final String ADMIN = "admin";
    public static final String ADMIN_PASSWORD = "admin-test-password";
    public static final String CLIENT = "billing-feed";
    public static final String CLIENT_SECRET = "billing-feed-test-secret";
    public static final String CONSOLE_CLIENT = "exflow-console";
    public static final String CONSOLE_CLIENT_SECRET = "exflow-console-test-secret-of-32-chars-or-more";
    /** Users of the realm; each one's password is {@code <name>-test-password}. */
    public static final String OPERATOR_USER = "olivia";
    public static final String USER_WITHOUT_ROLE = "nora";

    private static final Duration START_TIMEOUT = Duration.ofSeconds(240);
    private Process process;

    @Override
    public Map<String, String> start() {
        Path home = Path.of(System.getProperty("keycloak.home", "target/keycloak/keycloak-26.7.3"));
        if (!Files.isRegularFile(home.resolve("bin/kc.sh"))) {
            throw new IllegalStateException("no Keycloak distribution at " + home + ": the build's pre-integration-test "
                    + "phase unpacks org.keycloak:keycloak-quarkus-dist there (run ./mvnw verify)");
        }
        try {
            deleteTree(home.resolve("data/h2")); // a fresh realm every run, whatever an earlier run rotated
            Path imports = Files.createDirectories(home.resolve("data/import"));
            int appPort = freePort();
            try (var realm = KeycloakTestResource.class.getResourceAsStream("/keycloak/exflow-realm.json")) {
                String json = new String(realm.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                Files.writeString(imports.resolve("exflow-realm.json"), json.replace("@console.port@", String.valueOf(appPort)));
            }
            int port = freePort();
            ProcessBuilder pb = new ProcessBuilder("bash", home.resolve("bin/kc.sh").toString(), "start-dev",
                    "--http-port=" + port, "--http-management-port=" + freePort(), "--import-realm")
                    .redirectErrorStream(true).redirectOutput(Path.of("target/keycloak.log").toFile());
            pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
            pb.environment().put("KC_BOOTSTRAP_ADMIN_USERNAME", ADMIN);
            pb.environment().put("KC_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD);
            long started = System.nanoTime();
            process = pb.start();
            String base = "http://127.0.0.1:" + port;
            awaitRealm(base);
            System.out.printf("Keycloak ready in %.1f s (log: target/keycloak.log)%n", (System.nanoTime() - started) / 1e9);
            String realm = base + "/realms/exflow";
            return Map.of(URL_PROPERTY, base,
                    "mp.jwt.verify.publickey.location", realm + "/protocol/openid-connect/certs",
                    "mp.jwt.verify.issuer", realm,
                    "mp.jwt.verify.audiences", "exflow-api",
                    "quarkus.http.test-port", String.valueOf(appPort),
                    "quarkus.oidc.console.auth-server-url", realm,
                    "quarkus.oidc.console.client-id", CONSOLE_CLIENT,
                    "quarkus.oidc.console.credentials.secret", CONSOLE_CLIENT_SECRET);
        } catch (IOException e) {
            stop();
            throw new IllegalStateException("Keycloak did not start: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop();
            throw new IllegalStateException(e);
        }
    }

    private void awaitRealm(String base) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest discovery = HttpRequest.newBuilder(URI.create(base + "/realms/exflow/.well-known/openid-configuration"))
                .timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("Keycloak exited with " + process.exitValue() + "; see target/keycloak.log");
            }
            try {
                if (http.send(discovery, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new IOException("Keycloak was not ready within " + START_TIMEOUT + "; see target/keycloak.log");
    }

    @Override
    public void stop() {
        if (process == null) {
            return;
        }
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            try (var paths = Files.walk(dir)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}

package io.exflow.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.exflow.testing.ExflowTestResources;
import io.exflow.testing.KafkaTestCluster;

/**
 * The packaged app (target/quarkus-app, prod profile) with the api role and the dev-only
 * conveniences: with the committed dev key, or with the console's pasted-token login
 * (CONSOLE_TOKEN_LOGIN=true) and a key of its own, it refuses to start, naming the setting that would
 * allow it; with EXFLOW_ALLOW_INSECURE_DEV_KEY=true it starts, says loudly that it is insecure,
 * accepts dev tokens and serves the login page.
 */
class DevKeyRefusalIT {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    @TempDir
    Path dir;
    private String schema;
    private Process process;

    @BeforeEach
    void freshSchema() {
        schema = "exflow_devkey_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10).toLowerCase(Locale.ROOT);
    }

    @AfterEach
    void stopAndDrop() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        try (Connection c = DriverManager.getConnection(ExflowTestResources.PG_ADMIN_URL, ExflowTestResources.PG_USER, "");
                Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }

    @Test
    void theApiRoleRefusesToStartWithTheDevKeyNamingTheSettingThatAllowsIt() throws Exception {
        Path log = dir.resolve("refused.log");
        process = start(Map.of(), log);
        assertThat(process.waitFor(90, TimeUnit.SECONDS)).as("the app stops by itself").isTrue();
        String output = Files.readString(log);
        assertThat(process.exitValue()).as(output).isNotZero();
        assertThat(output).contains("JWT_PUBLIC_KEY_LOCATION", "committed DEV key", "EXFLOW_ALLOW_INSECURE_DEV_KEY=true");
    }

    @Test
    void theConsoleTokenLoginIsRefusedOutsideDevAlsoWithAKeyOfItsOwn() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        Path key = dir.resolve("provider-key.pem");
        Files.writeString(key, "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(generator.generateKeyPair().getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n");
        Path log = dir.resolve("token-login-refused.log");
        process = start(Map.of("JWT_PUBLIC_KEY_LOCATION", key.toString(), "CONSOLE_TOKEN_LOGIN", "true"), log);
        assertThat(process.waitFor(90, TimeUnit.SECONDS)).as("the app stops by itself").isTrue();
        String output = Files.readString(log);
        assertThat(process.exitValue()).as(output).isNotZero();
        assertThat(output).contains("CONSOLE_TOKEN_LOGIN", "pasted-token login is for dev and test",
                "EXFLOW_ALLOW_INSECURE_DEV_KEY=true").doesNotContain("committed DEV key");
    }

    @Test
    void withTheLoudOverrideItStartsWarnsAcceptsDevTokensAndServesTheTokenLogin() throws Exception {
        Path log = dir.resolve("allowed.log");
        int http = freePort();
        int management = freePort();
        process = start(Map.of("EXFLOW_ALLOW_INSECURE_DEV_KEY", "true", "CONSOLE_TOKEN_LOGIN", "true",
                "HTTP_PORT", String.valueOf(http), "MANAGEMENT_PORT", String.valueOf(management)), log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (status("http://127.0.0.1:" + management + "/q/health/started", null) != 200) {
            assertThat(process.isAlive()).as(() -> readQuietly(log)).isTrue();
            assertThat(System.nanoTime()).as("started within 90 s").isLessThan(deadline);
            Thread.sleep(250);
        }
        assertThat(Files.readString(log)).contains("INSECURE: the api accepts tokens signed with the committed dev key",
                "INSECURE: the console serves its pasted-token login page", "EXFLOW_ALLOW_INSECURE_DEV_KEY=true");
        String token = DevTokens.token("dev-user", List.of(ApiTestSupport.ACME), List.of("operator"));
        assertThat(status("http://127.0.0.1:" + http + "/api/v1/tenants/acme-bank/dead-letters", token)).isEqualTo(200);
        assertThat(status("http://127.0.0.1:" + http + "/api/v1/tenants/acme-bank/dead-letters", null)).isEqualTo(401);
        assertThat(status("http://127.0.0.1:" + http + "/console/login", null)).isEqualTo(200);
    }

    private Process start(Map<String, String> extra, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", "target/quarkus-app/quarkus-run.jar")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.put("WORKER_TYPE", "api");
        env.put("JWT_PUBLIC_KEY_LOCATION", "dev-jwt/publicKey.pem");
        env.put("KAFKA_BOOTSTRAP_SERVERS", KafkaTestCluster.bootstrapServers());
        env.put("CREATE_TOPICS", "false");
        env.put("DB_URL", ExflowTestResources.PG_ADMIN_URL + "?currentSchema=" + schema);
        env.put("DB_USER", ExflowTestResources.PG_USER);
        env.put("QUARKUS_FLYWAY_SCHEMAS", schema);
        env.put("QUARKUS_FLYWAY_CREATE_SCHEMAS", "true");
        env.put("REDIS_KEY_PREFIX", schema + ":");
        env.put("HTTP_PORT", String.valueOf(freePort()));
        env.put("MANAGEMENT_PORT", String.valueOf(freePort()));
        env.put("LOG_JSON", "false");
        env.remove("EXFLOW_ALLOW_INSECURE_DEV_KEY");
        env.remove("CONSOLE_TOKEN_LOGIN");
        env.putAll(extra);
        return pb.start();
    }

    private static int status(String url, String token) throws InterruptedException {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5));
        if (token != null) {
            r.header("Authorization", "Bearer " + token);
        }
        try {
            return HTTP.send(r.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String readQuietly(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return e.toString();
        }
    }
}

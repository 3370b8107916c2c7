package io.exflow.secured;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Secured dependencies of their own for {@link SecuredConnectionsIT}: a SASL_SSL Kafka, a
 * PostgreSQL that takes only TLS, a Redis that speaks only TLS to an ACL user — certificates
 * from a test CA made at start-up under target/. exflow is configured the way
 * docs/configuration.md tells an operator to (each property below is the documented variable's
 * key), except that the broker starts out holding a different password for the user than
 * exflow's: Kafka rejects exflow until the test puts the right one in place.
 */
public class SecuredDependencies implements QuarkusTestResourceLifecycleManager {
    static final Path HOME = Path.of("target/secured-it").toAbsolutePath();
    static final Path LOG = HOME.resolve("exflow.log");
    static final List<String> TOPICS = List.of("exflow.exceptions.ingested", "exflow.exceptions.normalized",
            "exflow.exceptions.triaged", "exflow.exceptions.decided", "exflow.exceptions.closed", "exflow.tools.results",
            "exflow.sla.alerts", "exflow.deadletter");

    /**
     * What the test needs from this resource, as system properties: the test class may be loaded
     * by another class loader than this resource, so static fields are not shared.
     */
    static final String KAFKA_PASSWORD = "exflow.secured-it.kafka-password";
    static final String WRONG_KAFKA_PASSWORD = "exflow.secured-it.wrong-kafka-password";
    static final String DB_PASSWORD = "exflow.secured-it.db-password";
    static final String REDIS_PASSWORD = "exflow.secured-it.redis-password";
    static final String KAFKA_ADMIN_BOOTSTRAP = "exflow.secured-it.kafka-admin-bootstrap";
    static final String PG_PORT = "exflow.secured-it.pg-port";

    private SaslSslKafka kafka;
    private TlsPostgres postgres;
    private TlsRedis redis;

    /** A secret made for this run. */
    static String secret(String name) {
        return System.getProperty(name);
    }

    @Override
    public Map<String, String> start() {
        // Secrets made per run: exflow's and the broker's first (wrong) Kafka password, the DB and Redis passwords.
        for (String name : java.util.List.of(KAFKA_PASSWORD, WRONG_KAFKA_PASSWORD, DB_PASSWORD, REDIS_PASSWORD)) {
            System.setProperty(name, name.substring(name.lastIndexOf('.') + 1) + "-" + UUID.randomUUID());
        }
        TestPki pki;
        try {
            deleteRecursively(HOME);
            Files.createDirectories(HOME);
            pki = TestPki.create(HOME.resolve("pki"));
            int pgPort = freePort();
            postgres = new TlsPostgres(pgPort, secret(DB_PASSWORD));
            postgres.start(pki);
            System.setProperty(PG_PORT, String.valueOf(pgPort));
            redis = new TlsRedis(freePort(), secret(REDIS_PASSWORD), HOME.resolve("redis"));
            redis.start(pki);
            int adminPort = freePort();
            kafka = new SaslSslKafka(HOME.resolve("kafka"), freePort(), adminPort, freePort());
            kafka.start(pki);
            System.setProperty(KAFKA_ADMIN_BOOTSTRAP, "127.0.0.1:" + adminPort);
            kafka.createTopics(TOPICS, 4);
            SaslSslKafka.setPassword(secret(KAFKA_ADMIN_BOOTSTRAP), SaslSslKafka.USER, secret(WRONG_KAFKA_PASSWORD));
        } catch (Exception e) {
            stop();
            throw new IllegalStateException("secured dependencies did not start: " + e.getMessage(), e);
        }
        Map<String, String> config = new HashMap<>();
        // ExflowTestResources (declared by other test classes) applies to every @QuarkusTest: this
        // resource starts after it (order) and replaces each of its settings.
        config.put("quarkus.flyway.schemas", "public");
        config.put("quarkus.hibernate-orm.database.default-schema", "public");
        config.put("exflow.redis.key-prefix", "secured-it:");
        // KAFKA_BOOTSTRAP_SERVERS, KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME,
        // KAFKA_SASL_PASSWORD, KAFKA_SSL_TRUSTSTORE_TYPE, KAFKA_SSL_TRUSTSTORE_LOCATION
        config.put("kafka.bootstrap.servers", kafka.secureBootstrap());
        config.put("kafka.security.protocol", "SASL_SSL");
        config.put("kafka.sasl.mechanism", "SCRAM-SHA-512");
        config.put("exflow.kafka.sasl-username", SaslSslKafka.USER);
        config.put("exflow.kafka.sasl-password", secret(KAFKA_PASSWORD));
        config.put("kafka.ssl.truststore.type", "PEM");
        config.put("kafka.ssl.truststore.location", pki.caCert().toString());
        // A managed Kafka's topics belong to its platform team: CREATE_TOPICS=false.
        config.put("exflow.create-topics", "false");
        // DB_URL (sslmode=verify-full with the CA), DB_USER, DB_PASSWORD
        config.put("quarkus.datasource.jdbc.url", postgres.jdbcUrl(pki));
        config.put("quarkus.datasource.username", TlsPostgres.USER);
        config.put("quarkus.datasource.password", secret(DB_PASSWORD));
        // REDIS_URL (rediss:// with the ACL user), REDIS_TLS_CA_FILE
        config.put("quarkus.redis.hosts", redis.url());
        config.put("quarkus.redis.tls.trust-certificate-pem.certs", pki.caCert().toString());
        // What an operator reads: the application's log, through the same filter as the console.
        config.put("quarkus.log.file.enabled", "true");
        config.put("quarkus.log.file.path", LOG.toString());
        config.put("quarkus.log.file.filter", "exflow-kafka-auth");
        config.put("quarkus.log.file.json.enabled", "false");
        return config;
    }

    @Override
    public int order() {
        return 100;
    }

    @Override
    public void stop() {
        if (kafka != null) {
            kafka.close();
        }
        if (redis != null) {
            redis.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}

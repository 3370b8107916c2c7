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

    /** Secrets made per run: exflow's and the broker's first (wrong) Kafka password, the DB and Redis passwords. */
    static final String KAFKA_PASSWORD = "kafka-" + UUID.randomUUID();
    static final String WRONG_KAFKA_PASSWORD = "stale-" + UUID.randomUUID();
    static final String DB_PASSWORD = "db-" + UUID.randomUUID();
    static final String REDIS_PASSWORD = "redis-" + UUID.randomUUID();

    static SaslSslKafka kafka;
    static TlsPostgres postgres;
    static TlsRedis redis;
    static TestPki pki;

    @Override
    public Map<String, String> start() {
        try {
            deleteRecursively(HOME);
            Files.createDirectories(HOME);
            pki = TestPki.create(HOME.resolve("pki"));
            postgres = new TlsPostgres(freePort(), DB_PASSWORD);
            postgres.start(pki);
            redis = new TlsRedis(freePort(), REDIS_PASSWORD, HOME.resolve("redis"));
            redis.start(pki);
            kafka = new SaslSslKafka(HOME.resolve("kafka"), freePort(), freePort(), freePort());
            kafka.start(pki);
            kafka.createTopics(TOPICS, 4);
            kafka.setPassword(SaslSslKafka.USER, WRONG_KAFKA_PASSWORD);
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
        config.put("exflow.kafka.sasl-password", KAFKA_PASSWORD);
        config.put("kafka.ssl.truststore.type", "PEM");
        config.put("kafka.ssl.truststore.location", pki.caCert().toString());
        // A managed Kafka's topics belong to its platform team: CREATE_TOPICS=false.
        config.put("exflow.create-topics", "false");
        // DB_URL (sslmode=verify-full with the CA), DB_USER, DB_PASSWORD
        config.put("quarkus.datasource.jdbc.url", postgres.jdbcUrl(pki));
        config.put("quarkus.datasource.username", TlsPostgres.USER);
        config.put("quarkus.datasource.password", DB_PASSWORD);
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

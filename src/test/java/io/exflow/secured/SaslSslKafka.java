package io.exflow.secured;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;

/**
 * A single-node KRaft broker in the test JVM whose client listener is SASL_SSL (SCRAM-SHA-512
 * over TLS with {@link TestPki}'s certificate), as a managed Kafka offers it. A second, plain
 * listener on loopback stands for the platform team's side: the test creates topics and sets
 * the user's SCRAM credential through it, never the application.
 */
final class SaslSslKafka implements AutoCloseable {
    static final String USER = "exflow";

    private final Path home;
    private final int securePort;
    private final int internalPort;
    private final int controllerPort;
    private KafkaRaftServer server;

    SaslSslKafka(Path home, int securePort, int internalPort, int controllerPort) {
        this.home = home;
        this.securePort = securePort;
        this.internalPort = internalPort;
        this.controllerPort = controllerPort;
    }

    void start(TestPki pki) throws Exception {
        Files.createDirectories(home);
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("listeners", "SECURE://127.0.0.1:" + securePort + ",INTERNAL://127.0.0.1:" + internalPort
                + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "SECURE://127.0.0.1:" + securePort + ",INTERNAL://127.0.0.1:" + internalPort);
        p.put("listener.security.protocol.map", "SECURE:SASL_SSL,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("inter.broker.listener.name", "INTERNAL");
        p.put("controller.listener.names", "CONTROLLER");
        p.put("sasl.enabled.mechanisms", "SCRAM-SHA-512");
        p.put("listener.name.secure.scram-sha-512.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        p.put("listener.name.secure.ssl.keystore.type", "PKCS12");
        p.put("listener.name.secure.ssl.keystore.location", pki.serverKeystore().toAbsolutePath().toString());
        p.put("listener.name.secure.ssl.keystore.password", TestPki.KEYSTORE_PASSWORD);
        p.put("log.dirs", home.resolve("data").toAbsolutePath().toString());
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "4");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "false");
        Path config = home.resolve("server.properties");
        try (var out = Files.newOutputStream(config)) {
            p.store(out, "exflow SecuredConnectionsIT broker");
        }
        ByteArrayOutputStream formatOutput = new ByteArrayOutputStream();
        int formatted = StorageTool.execute(new String[] { "format", "-t", Uuid.randomUuid().toString(), "-c",
                config.toAbsolutePath().toString() }, new PrintStream(formatOutput, true, StandardCharsets.UTF_8));
        if (formatted != 0) {
            throw new IllegalStateException("kafka storage format failed: " + formatOutput.toString(StandardCharsets.UTF_8));
        }
        server = new KafkaRaftServer(new KafkaConfig(p, false), Time.SYSTEM);
        server.startup();
    }

    /** What a client of the SASL_SSL listener is given as KAFKA_BOOTSTRAP_SERVERS. */
    String secureBootstrap() {
        return "127.0.0.1:" + securePort;
    }

    /** Creates the topics, as a platform team does when the application may not (CREATE_TOPICS=false). */
    void createTopics(List<String> topics, int partitions) throws Exception {
        try (Admin admin = internalAdmin("127.0.0.1:" + internalPort)) {
            admin.createTopics(topics.stream().map(t -> new NewTopic(t, partitions, (short) 1)).toList())
                    .all().get(60, TimeUnit.SECONDS);
        }
    }

    /**
     * Creates or replaces the user's SCRAM-SHA-512 credential (the broker's idea of the password),
     * through the plain listener at {@code internalBootstrap}.
     */
    static void setPassword(String internalBootstrap, String user, String password) throws Exception {
        try (Admin admin = internalAdmin(internalBootstrap)) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password))).all().get(60, TimeUnit.SECONDS);
        }
    }

    private static Admin internalAdmin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000));
    }

    @Override
    public void close() {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
        }
    }
}

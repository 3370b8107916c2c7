package io.exflow.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.security.auth.login.AppConfigurationEntry;

import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.JaasContext;
import org.eclipse.microprofile.config.Config;
import org.junit.jupiter.api.Test;

import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;

/** Every Kafka client setting from the environment reaches every client, under exflow's guarantees. */
class KafkaClientPropertiesTest {
    private static final String JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"p\";";

    /** application.properties under an environment, as the packaged application sees it. */
    private static Config config(Map<String, String> env) {
        try {
            return new SmallRyeConfigBuilder().addDefaultInterceptors()
                    .withSources(new PropertiesConfigSource(KafkaClientPropertiesTest.class.getResource("/application.properties"), 250))
                    .withSources(new EnvConfigSource(new HashMap<>(env), 300))
                    .build();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static KafkaClientProperties fromEnv(Map<String, String> env) {
        Config config = config(env);
        return KafkaClientProperties.from(config.getPropertyNames(), name -> config.getOptionalValue(name, String.class), env);
    }

    @Test
    void smallRyeConfigListsEveryKafkaVariableAsAKafkaProperty() {
        // Why KafkaClientProperties filters: the configuration lists KAFKA_SASL_JAAS_CONFIG as
        // kafka.sasl.jaas.config, but also Kubernetes' KAFKA_PORT as kafka.port.
        List<String> names = new java.util.ArrayList<>();
        config(Map.of("KAFKA_SASL_JAAS_CONFIG", JAAS, "KAFKA_PORT", "tcp://10.0.0.7:9092")).getPropertyNames().forEach(names::add);
        assertThat(names).contains("kafka.sasl.jaas.config", "kafka.port", "kafka.bootstrap.servers");
    }

    @Test
    void multiWordSettingsFromTheEnvironmentReachConsumersProducerAndAdmin() {
        KafkaClientProperties p = fromEnv(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", "broker-1.example:9096,broker-2.example:9096",
                "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
                "KAFKA_SASL_JAAS_CONFIG", JAAS,
                "KAFKA_SSL_TRUSTSTORE_TYPE", "PEM",
                "KAFKA_SSL_TRUSTSTORE_LOCATION", "/etc/exflow/kafka/ca.crt",
                "KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM", "https"));
        Map<String, String> expected = Map.of(
                "bootstrap.servers", "broker-1.example:9096,broker-2.example:9096",
                "security.protocol", "SASL_SSL",
                "sasl.mechanism", "SCRAM-SHA-512",
                "sasl.jaas.config", JAAS,
                "ssl.truststore.type", "PEM",
                "ssl.truststore.location", "/etc/exflow/kafka/ca.crt",
                "ssl.endpoint.identification.algorithm", "https");
        for (Map<String, Object> client : List.of(p.consumer("exflow-triage", "c-1", "earliest", 500), p.producer("outbox-1"), p.admin())) {
            assertThat(client).containsAllEntriesOf(expected);
        }
        assertThat(p.bootstrapServers()).isEqualTo("broker-1.example:9096,broker-2.example:9096");
    }

    @Test
    void exflowsGuaranteesWinOverTheEnvironmentAndOtherDefaultsDoNot() {
        KafkaClientProperties p = fromEnv(Map.of(
                "KAFKA_ENABLE_AUTO_COMMIT", "true",
                "KAFKA_ISOLATION_LEVEL", "read_uncommitted",
                "KAFKA_ACKS", "1",
                "KAFKA_ENABLE_IDEMPOTENCE", "false",
                "KAFKA_LINGER_MS", "25",
                "KAFKA_REQUEST_TIMEOUT_MS", "30000"));
        assertThat(p.consumer("exflow-intake", "c-1", "latest", 200)).containsEntry("enable.auto.commit", "false")
                .containsEntry("isolation.level", "read_committed").containsEntry("group.id", "exflow-intake")
                .containsEntry("client.id", "c-1").containsEntry("auto.offset.reset", "latest")
                .containsEntry("max.poll.records", 200);
        assertThat(p.producer("outbox-1")).containsEntry("acks", "all").containsEntry("enable.idempotence", "true")
                .containsEntry("linger.ms", "25").containsEntry("request.timeout.ms", "30000")
                .containsEntry("client.id", "outbox-1");
        assertThat(p.admin()).containsEntry("request.timeout.ms", "30000");
        assertThat(fromEnv(Map.of()).producer("outbox-1")).containsEntry("linger.ms", "2").containsEntry("delivery.timeout.ms", "20000");
    }

    @Test
    void variablesThatNameNoClientSettingStayOut() {
        Map<String, String> env = Map.of(
                // Kubernetes service links of a Service named "kafka", and exflow's own settings.
                "KAFKA_PORT", "tcp://10.0.0.7:9092",
                "KAFKA_SERVICE_HOST", "10.0.0.7",
                "KAFKA_POLL_TIMEOUT", "PT1S",
                "KAFKA_SASL_USERNAME", "exflow",
                "KAFKA_SASL_PASSWORD", "secret",
                "KAFKA_SASL_MECHANISM", "PLAIN",
                // A consumer-only setting.
                "KAFKA_FETCH_MIN_BYTES", "1024");
        KafkaClientProperties p = fromEnv(env);
        assertThat(p.common()).doesNotContainKeys("port", "service.host", "poll.timeout", "sasl.username", "sasl.password");
        assertThat(p.consumer("g", "c", "earliest", 1)).containsEntry("fetch.min.bytes", "1024");
        assertThat(p.producer("p")).doesNotContainKey("fetch.min.bytes");
        assertThat(p.admin()).doesNotContainKey("fetch.min.bytes");
        assertThat(KafkaClientProperties.isClientSettingVariable("KAFKA_SASL_JAAS_CONFIG")).isTrue();
        assertThat(KafkaClientProperties.isClientSettingVariable("KAFKA_SSL_TRUSTSTORE_LOCATION")).isTrue();
        assertThat(KafkaClientProperties.isClientSettingVariable("KAFKA_PORT")).isFalse();
    }

    @Test
    void aDottedKafkaPropertyNoClientDeclaresStillReachesEveryClient() {
        // e.g. a vendor login callback handler's own option, given in application.properties or -D.
        Map<String, String> properties = Map.of("kafka.bootstrap.servers", "b:9092", "kafka.vendor.region", "eu-1",
                "kafka.health.enabled", "false");
        KafkaClientProperties p = KafkaClientProperties.from(properties.keySet(),
                name -> java.util.Optional.ofNullable(properties.get(name)), Map.of());
        for (Map<String, Object> client : List.of(p.consumer("g", "c", "earliest", 1), p.producer("p"), p.admin())) {
            assertThat(client).containsEntry("vendor.region", "eu-1").doesNotContainKey("health.enabled");
        }
    }

    @Test
    void userNameAndPasswordBecomeTheLoginOfTheMechanism() {
        String password = "p\"a\\ss; word";
        KafkaClientProperties p = fromEnv(Map.of("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512", "KAFKA_SASL_USERNAME", "exflow-prod",
                "KAFKA_SASL_PASSWORD", password));
        String jaas = String.valueOf(p.admin().get("sasl.jaas.config"));
        // Parsed the way the Kafka client parses it: quotes and backslashes in the password survive.
        AppConfigurationEntry entry = JaasContext.loadClientContext(Map.of("sasl.jaas.config", new Password(jaas)))
                .configurationEntries().get(0);
        assertThat(entry.getLoginModuleName()).isEqualTo("org.apache.kafka.common.security.scram.ScramLoginModule");
        Map<String, Object> options = new HashMap<>(entry.getOptions());
        assertThat(options).containsEntry("username", "exflow-prod").containsEntry("password", password);
        assertThat(p.consumer("g", "c", "earliest", 1)).containsEntry("sasl.jaas.config", jaas);
        assertThat(p.producer("p")).containsEntry("sasl.jaas.config", jaas);

        String plain = String.valueOf(fromEnv(Map.of("KAFKA_SASL_MECHANISM", "PLAIN", "KAFKA_SASL_USERNAME", "key",
                "KAFKA_SASL_PASSWORD", "secret")).admin().get("sasl.jaas.config"));
        assertThat(plain).startsWith("org.apache.kafka.common.security.plain.PlainLoginModule required");
    }

    @Test
    void incompleteOrConflictingLoginsFailNamingTheVariable() {
        assertThatThrownBy(() -> fromEnv(Map.of("KAFKA_SASL_MECHANISM", "PLAIN", "KAFKA_SASL_USERNAME", "exflow")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("KAFKA_SASL_PASSWORD");
        assertThatThrownBy(() -> fromEnv(Map.of("KAFKA_SASL_MECHANISM", "SCRAM-SHA-256", "KAFKA_SASL_USERNAME", "exflow",
                "KAFKA_SASL_PASSWORD", "pw", "KAFKA_SASL_JAAS_CONFIG", JAAS)))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("KAFKA_SASL_JAAS_CONFIG");
        assertThatThrownBy(() -> fromEnv(Map.of("KAFKA_SASL_MECHANISM", "OAUTHBEARER", "KAFKA_SASL_USERNAME", "exflow",
                "KAFKA_SASL_PASSWORD", "pw-secret")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("KAFKA_SASL_MECHANISM").hasMessageNotContaining("pw-secret");
    }
}

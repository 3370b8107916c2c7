package io.exflow.runtime.config;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.SaslConfigs;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

/**
 * The Kafka client settings of this process, for its consumers, its outbox producer and its
 * admin client alike: every {@code kafka.*} property, every {@code KAFKA_<PROPERTY>} environment
 * variable that names a Kafka client setting, and {@code KAFKA_SASL_USERNAME}/{@code KAFKA_SASL_PASSWORD}
 * turned into {@code sasl.jaas.config} — then exflow's guarantees forced on top (manual commits,
 * read_committed, idempotent producer with acks=all).
 * <p>
 * Why a class of its own: SmallRye Config lists every environment variable {@code KAFKA_X_Y} as
 * a property {@code kafka.x.y}, so a plain {@code kafka.*} scan hands the clients Kubernetes'
 * service links ({@code KAFKA_PORT}, {@code KAFKA_SERVICE_HOST}), exflow's own
 * {@code KAFKA_POLL_TIMEOUT} and the SASL password under a made-up name. A variable is taken only
 * when it spells a setting the Kafka clients declare ({@link ConsumerConfig#configNames()} and the
 * producer's and admin's); a {@code kafka.*} property set as such (application.properties, -D)
 * is taken whatever its name, for plugins' own settings.
 */
public final class KafkaClientProperties {
    private static final Logger LOG = Logger.getLogger(KafkaClientProperties.class);

    /** Every setting a Kafka consumer, producer or admin client declares. */
    private static final Set<String> CLIENT_SETTINGS = clientSettings();
    private static final Map<String, String> SETTING_BY_ENV = settingsByEnvName();

    static final String SASL_USERNAME_KEY = "exflow.kafka.sasl-username";
    static final String SASL_PASSWORD_KEY = "exflow.kafka.sasl-password";

    /** What exflow's delivery guarantees need, whatever the configuration says. */
    private static final Map<String, Object> CONSUMER_GUARANTEES = Map.of(
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
            ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, "org.apache.kafka.clients.consumer.CooperativeStickyAssignor");
    private static final Map<String, Object> PRODUCER_GUARANTEES = Map.of(
            ProducerConfig.ACKS_CONFIG, "all",
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    /** Defaults a deployment may change (a slow managed cluster may need longer timeouts). */
    private static final Map<String, Object> PRODUCER_DEFAULTS = Map.of(
            ProducerConfig.LINGER_MS_CONFIG, "2",
            ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000",
            ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000",
            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "20000");
    /**
     * A member that stops heart-beating (a crash) holds its partitions this long. With static
     * membership it is also how long a restarted process may take to come back and find its
     * partitions waiting for it without a rebalance. 30 s covers a JVM restart (and Kubernetes'
     * first 10 s crash back-off) and frees a dead process's partitions sooner than Kafka's 45 s.
     */
    private static final Map<String, Object> CONSUMER_DEFAULTS = Map.of(
            ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "30000");
    private static final Map<String, Object> ADMIN_DEFAULTS = Map.of(
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000",
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");

    private final Map<String, String> common;

    KafkaClientProperties(Map<String, String> common) {
        this.common = Map.copyOf(common);
    }

    /** Reads the settings from the application's configuration and the process environment. */
    public static KafkaClientProperties from(Config config) {
        return from(config.getPropertyNames(), name -> config.getOptionalValue(name, String.class), System.getenv());
    }

    /**
     * @param propertyNames the configuration's property names ({@code kafka.*} ones are taken)
     * @param property      a property's value
     * @param env           the environment ({@code KAFKA_*} variables naming a client setting are taken)
     */
    static KafkaClientProperties from(Iterable<String> propertyNames, Function<String, Optional<String>> property,
            Map<String, String> env) {
        Map<String, String> settings = new TreeMap<>();
        for (String name : propertyNames) {
            // kafka.health.* is Quarkus' own switch, not a client setting.
            if (!name.startsWith("kafka.") || name.startsWith("kafka.health.")) {
                continue;
            }
            String setting = name.substring("kafka.".length());
            if (CLIENT_SETTINGS.contains(setting) || !env.containsKey(variableOf(setting))) {
                property.apply(name).ifPresent(v -> settings.put(setting, v));
            }
        }
        // Also when the configuration does not list the environment; it outranks application.properties.
        env.forEach((name, value) -> {
            String setting = SETTING_BY_ENV.get(name);
            if (setting != null && !value.isEmpty()) {
                settings.put(setting, value);
            }
        });
        saslLogin(settings, property.apply(SASL_USERNAME_KEY).orElse(""), property.apply(SASL_PASSWORD_KEY).orElse(""))
                .ifPresent(jaas -> settings.put(SaslConfigs.SASL_JAAS_CONFIG, jaas));
        KafkaClientProperties properties = new KafkaClientProperties(settings);
        properties.warnAboutOverriddenSettings();
        return properties;
    }

    /** True when {@code variable} is a {@code KAFKA_<PROPERTY>} variable this class passes to the clients. */
    public static boolean isClientSettingVariable(String variable) {
        return SETTING_BY_ENV.containsKey(variable);
    }

    /** The environment variable that sets a Kafka client setting: {@code sasl.jaas.config} → {@code KAFKA_SASL_JAAS_CONFIG}. */
    public static String variableOf(String setting) {
        return "KAFKA_" + setting.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    public String bootstrapServers() {
        return common.getOrDefault(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "");
    }

    /** The settings every client shares, before exflow's own (for logs and tests; values may be secret). */
    public Map<String, String> common() {
        return common;
    }

    /** A consumer that commits only what exflow commits, and reads only committed transactions. */
    public Map<String, Object> consumer(String groupId, String clientId, String autoOffsetReset, int maxPollRecords) {
        Map<String, Object> props = new HashMap<>(CONSUMER_DEFAULTS);
        props.putAll(forClient(ConsumerConfig.configNames()));
        props.putAll(CONSUMER_GUARANTEES);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, autoOffsetReset);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
        return props;
    }

    /** Idempotent, acks=all: a retried send never duplicates or reorders within a partition. */
    public Map<String, Object> producer(String clientId) {
        Map<String, Object> props = new HashMap<>(PRODUCER_DEFAULTS);
        props.putAll(forClient(ProducerConfig.configNames()));
        props.putAll(PRODUCER_GUARANTEES);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        return props;
    }

    public Map<String, Object> admin() {
        Map<String, Object> props = new HashMap<>(ADMIN_DEFAULTS);
        props.putAll(forClient(AdminClientConfig.configNames()));
        return props;
    }

    /**
     * The shared settings this kind of client declares, plus any setting no Kafka client declares
     * (a custom login module's or a plugin's, given as {@code kafka.*}): each client gets what it
     * understands, so none warns about settings meant for another.
     */
    private Map<String, Object> forClient(Set<String> declared) {
        Map<String, Object> props = new HashMap<>();
        common.forEach((name, value) -> {
            if (declared.contains(name) || !CLIENT_SETTINGS.contains(name)) {
                props.put(name, value);
            }
        });
        return props;
    }

    private void warnAboutOverriddenSettings() {
        List<Map<String, Object>> forced = List.of(CONSUMER_GUARANTEES, PRODUCER_GUARANTEES);
        for (Map<String, Object> guarantees : forced) {
            guarantees.forEach((name, value) -> {
                String configured = common.get(name);
                if (configured != null && !configured.equalsIgnoreCase(String.valueOf(value))) {
                    LOG.warnf("%s=%s is ignored: exflow's delivery guarantees need %s=%s", variableOf(name), configured, name, value);
                }
            });
        }
    }

    /**
     * {@code sasl.jaas.config} for a user name and password (PLAIN and SCRAM, what managed Kafka
     * services hand out), so a deployment can take both from the same Secret keys KEDA reads.
     */
    static Optional<String> saslLogin(Map<String, String> settings, String username, String password) {
        if (username.isBlank() && password.isBlank()) {
            return Optional.empty();
        }
        if (username.isBlank() || password.isEmpty()) {
            throw new InvalidConfigException("KAFKA_SASL_USERNAME", "and KAFKA_SASL_PASSWORD must be set together");
        }
        if (settings.containsKey(SaslConfigs.SASL_JAAS_CONFIG)) {
            throw new InvalidConfigException("KAFKA_SASL_USERNAME",
                    "cannot be combined with KAFKA_SASL_JAAS_CONFIG: set one of them");
        }
        String mechanism = settings.getOrDefault(SaslConfigs.SASL_MECHANISM, SaslConfigs.DEFAULT_SASL_MECHANISM);
        String module = switch (mechanism.toUpperCase(Locale.ROOT)) {
            case "PLAIN" -> "org.apache.kafka.common.security.plain.PlainLoginModule";
            case "SCRAM-SHA-256", "SCRAM-SHA-512" -> "org.apache.kafka.common.security.scram.ScramLoginModule";
            default -> throw new InvalidConfigException("KAFKA_SASL_USERNAME",
                    "needs KAFKA_SASL_MECHANISM PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (was " + mechanism
                            + "); other mechanisms take KAFKA_SASL_JAAS_CONFIG");
        };
        return Optional.of(module + " required username=" + quoted(username) + " password=" + quoted(password) + ";");
    }

    /** A JAAS option value: double quotes, with backslash and quote escaped as Kafka's parser expects. */
    private static String quoted(String value) {
        return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    private static Set<String> clientSettings() {
        Set<String> names = new TreeSet<>();
        names.addAll(ConsumerConfig.configNames());
        names.addAll(ProducerConfig.configNames());
        names.addAll(AdminClientConfig.configNames());
        return Set.copyOf(names);
    }

    private static Map<String, String> settingsByEnvName() {
        Map<String, String> byEnv = new LinkedHashMap<>();
        for (String setting : CLIENT_SETTINGS) {
            byEnv.put(variableOf(setting), setting);
        }
        return Map.copyOf(byEnv);
    }
}

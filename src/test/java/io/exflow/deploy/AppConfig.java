package io.exflow.deploy;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The application's configuration as the packaging sees it: src/main/resources/application.properties,
 * where every operator setting is {@code key=${ENV_NAME:default}}. Answers "which environment
 * variable sets this key", "what is its default", and "what does it resolve to when a manifest
 * sets these variables".
 */
final class AppConfig {

    static final Path DEFAULT_LOCATION = Path.of("src/main/resources/application.properties");

    private static final Pattern EXPRESSION = Pattern.compile("\\$\\{([A-Za-z0-9_.\\-]+)(?::([^}]*))?}");

    private final Map<String, String> properties = new LinkedHashMap<>();

    private AppConfig(Properties raw) {
        raw.stringPropertyNames().stream().filter(k -> !k.startsWith("%")).sorted()
                .forEach(k -> properties.put(k, raw.getProperty(k)));
    }

    static AppConfig load() {
        return load(DEFAULT_LOCATION);
    }

    static AppConfig load(Path file) {
        Properties raw = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            raw.load(reader);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file, e);
        }
        return new AppConfig(raw);
    }

    /** Every environment variable application.properties reads (upper-case ${NAME} references). */
    Set<String> envNames() {
        Set<String> names = new TreeSet<>();
        for (String value : properties.values()) {
            Matcher m = EXPRESSION.matcher(value);
            while (m.find()) {
                if (m.group(1).matches("[A-Z][A-Z0-9_]*")) {
                    names.add(m.group(1));
                }
            }
        }
        return names;
    }

    /**
     * Whether a variable name set by a manifest is one the application or its image reads: its
     * own, QUARKUS_* (Quarkus' mapping of any property) and KAFKA_&lt;PROPERTY&gt; for every Kafka
     * client setting (io.exflow.runtime.config.KafkaClientProperties).
     */
    boolean readsEnv(String name) {
        return envNames().contains(name) || DeployContract.IMAGE_ENV.contains(name) || name.startsWith("QUARKUS_")
                || io.exflow.runtime.config.KafkaClientProperties.isClientSettingVariable(name);
    }

    /** The environment variable a key is read from, if its value is a single ${ENV:default}. */
    Optional<String> envOf(String key) {
        return single(key).map(m -> m.group(1));
    }

    /** The value of a key with no environment override. */
    String valueOf(String key) {
        return resolve(key, Map.of());
    }

    /** The value of a key when the process gets {@code env} (as a Deployment or compose service sets it). */
    String resolve(String key, Map<String, String> env) {
        String value = properties.get(key);
        if (value == null) {
            throw new IllegalStateException("application.properties has no key " + key);
        }
        Matcher m = EXPRESSION.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String replacement = env.containsKey(name) ? env.get(name)
                    : properties.containsKey(name) ? resolve(name, env)
                    : m.group(2) == null ? "" : m.group(2);
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    boolean has(String key) {
        return properties.containsKey(key);
    }

    /** Topic names by logical name (the keys exflow.topic.*), resolved under {@code env}. */
    Map<String, String> topics(Map<String, String> env) {
        Map<String, String> topics = new LinkedHashMap<>();
        properties.keySet().stream().filter(k -> k.startsWith("exflow.topic."))
                .forEach(k -> topics.put(k.substring("exflow.topic.".length()), resolve(k, env)));
        return topics;
    }

    Set<String> topicNames(Map<String, String> env) {
        return new LinkedHashSet<>(topics(env).values());
    }

    int topicPartitions(Map<String, String> env) {
        return Integer.parseInt(resolve("exflow.topic-partitions", env).trim());
    }

    int managementPort(Map<String, String> env) {
        return Integer.parseInt(resolve("quarkus.management.port", env).trim());
    }

    int httpPort(Map<String, String> env) {
        return Integer.parseInt(resolve("quarkus.http.port", env).trim());
    }

    Duration shutdownTimeout(Map<String, String> env) {
        return io.exflow.runtime.config.SettingsReader.parseDuration(resolve("quarkus.shutdown.timeout", env));
    }

    /** /q/metrics unless application.properties moves it. */
    String metricsPath() {
        return has("quarkus.micrometer.export.prometheus.path") ? valueOf("quarkus.micrometer.export.prometheus.path") : "/q/metrics";
    }

    /** Health endpoints (started, live, ready) as served on the management interface. */
    Map<String, String> healthPaths() {
        String root = has("quarkus.smallrye-health.root-path") ? valueOf("quarkus.smallrye-health.root-path") : "health";
        String base = root.startsWith("/") ? root : "/q/" + root;
        return Map.of("started", base + "/started", "live", base + "/live", "ready", base + "/ready");
    }

    /** Redis list names of the tool queues (exflow.tool.queue.*), with REDIS_KEY_PREFIX applied. */
    List<String> toolQueues(Map<String, String> env) {
        String prefix = has("exflow.redis.key-prefix") ? resolve("exflow.redis.key-prefix", env) : "";
        return List.of("high", "default", "low").stream()
                .map(priority -> prefix + resolve("exflow.tool.queue." + priority, env)).toList();
    }

    private Optional<Matcher> single(String key) {
        String value = properties.get(key);
        if (value == null) {
            return Optional.empty();
        }
        Matcher m = EXPRESSION.matcher(value.trim());
        return m.matches() ? Optional.of(m) : Optional.empty();
    }
}

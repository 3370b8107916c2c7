package io.exflow.runtime.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.eclipse.microprofile.config.Config;

/**
 * Every exflow setting, parsed and validated once at start-up. Each is read from its
 * {@code exflow.*} key (whose value in application.properties is an environment variable
 * with a default) and a bad value is reported with the variable's name, all at once.
 */
public record ExflowSettings(
        Set<WorkerRole> roles,
        int concurrency,
        String groupIdOverride,
        Set<String> tenantAllowlist,
        Topics topics,
        int topicPartitions,
        short topicReplicationFactor,
        boolean createTopics,
        String autoOffsetReset,
        int maxPollRecords,
        Duration pollTimeout,
        Retry retry,
        int maxEventBytes,
        int poisonMaxDeliveries,
        Duration tenantCacheTtl,
        Duration outboxSweepInterval,
        Duration outboxSweepMinAge,
        String packsDir,
        String redisKeyPrefix,
        ToolQueues toolQueues,
        Duration toolVisibilityTimeout,
        long toolSimulateSeed,
        int toolMaxConcurrentCalls,
        Duration shutdownTimeout) {

    /** The Redis tool queues, highest priority first. */
    public record ToolQueues(String high, String defaultQueue, String low) {
        public List<String> inPriorityOrder() {
            return List.of(high, defaultQueue, low);
        }
    }

    public record Topics(String ingested, String normalized, String triaged, String decided, String closed,
            String toolResults, String slaAlerts, String deadletter) {
        public List<String> all() {
            return List.of(ingested, normalized, triaged, decided, closed, toolResults, slaAlerts, deadletter);
        }
    }

    public record Retry(int maxAttempts, Duration initialBackoff, Duration maxBackoff, Duration pollInterval,
            Map<String, Integer> maxAttemptsByType) {
        public int maxAttemptsFor(String eventType) {
            return eventType == null ? maxAttempts : maxAttemptsByType.getOrDefault(eventType, maxAttempts);
        }
    }

    /** Consumer group (and idempotency consumer name) of a role in this process. */
    public String groupId(WorkerRole role) {
        return groupIdOverride.isEmpty() ? role.defaultGroupId() : groupIdOverride;
    }

    public boolean runs(WorkerRole role) {
        return roles.contains(role);
    }

    public static ExflowSettings load(Config config) {
        Reader r = new Reader(config);
        String workerType = r.string("exflow.worker-type", "WORKER_TYPE");
        Set<WorkerRole> roles = EnumSet.noneOf(WorkerRole.class);
        try {
            roles = WorkerRole.parseWorkerType(workerType);
        } catch (InvalidConfigException e) {
            r.problems.add(e.getMessage());
        }
        String groupId = r.string("exflow.group-id", "GROUP_ID").trim();
        if (!groupId.isEmpty() && roles.size() > 1) {
            r.problem("GROUP_ID", "cannot be set when WORKER_TYPE=all (each role uses its own group exflow-<role>)");
        }
        Topics topics = new Topics(
                r.topic("ingested", "TOPIC_INGESTED"), r.topic("normalized", "TOPIC_NORMALIZED"),
                r.topic("triaged", "TOPIC_TRIAGED"), r.topic("decided", "TOPIC_DECIDED"),
                r.topic("closed", "TOPIC_CLOSED"), r.topic("tool-results", "TOPIC_TOOL_RESULTS"),
                r.topic("sla-alerts", "TOPIC_SLA_ALERTS"), r.topic("deadletter", "TOPIC_DEADLETTER"));
        if (new LinkedHashSet<>(topics.all()).size() != topics.all().size()) {
            r.problem("TOPIC_*", "two logical topics share one name: " + topics.all());
        }
        String offsetReset = r.string("exflow.kafka.auto-offset-reset", "KAFKA_AUTO_OFFSET_RESET").trim().toLowerCase(Locale.ROOT);
        if (!Set.of("earliest", "latest").contains(offsetReset)) {
            r.problem("KAFKA_AUTO_OFFSET_RESET", "must be earliest or latest, was '" + offsetReset + "'");
        }
        Retry retry = new Retry(
                r.intIn("exflow.retry.max-attempts", "RETRY_MAX_ATTEMPTS", 1, 100),
                r.duration("exflow.retry.initial-backoff", "RETRY_INITIAL_BACKOFF"),
                r.duration("exflow.retry.max-backoff", "RETRY_MAX_BACKOFF"),
                r.duration("exflow.retry.poll-interval", "RETRY_POLL_INTERVAL"),
                r.typeLimits("exflow.retry.max-attempts-by-type", "RETRY_MAX_ATTEMPTS_BY_TYPE"));
        ExflowSettings settings = new ExflowSettings(
                roles,
                r.intIn("exflow.concurrency", "CONCURRENCY", 1, 256),
                groupId,
                r.csvSet("exflow.tenant-allowlist", "TENANT_ALLOWLIST"),
                topics,
                r.intIn("exflow.topic-partitions", "TOPIC_PARTITIONS", 1, 10_000),
                (short) r.intIn("exflow.topic-replication-factor", "TOPIC_REPLICATION_FACTOR", 1, 10),
                r.bool("exflow.create-topics", "CREATE_TOPICS"),
                offsetReset,
                r.intIn("exflow.kafka.max-poll-records", "KAFKA_MAX_POLL_RECORDS", 1, 10_000),
                r.duration("exflow.kafka.poll-timeout", "KAFKA_POLL_TIMEOUT"),
                retry,
                r.intIn("exflow.max-event-bytes", "MAX_EVENT_BYTES", 1024, 64 * 1024 * 1024),
                r.intIn("exflow.poison-max-deliveries", "POISON_MAX_DELIVERIES", 2, 100),
                r.duration("exflow.tenant-cache-ttl", "TENANT_CACHE_TTL"),
                r.duration("exflow.outbox.sweep-interval", "OUTBOX_SWEEP_INTERVAL"),
                r.duration("exflow.outbox.sweep-min-age", "OUTBOX_SWEEP_MIN_AGE"),
                r.string("exflow.packs.dir", "PACKS_DIR").trim(),
                r.string("exflow.redis.key-prefix", "REDIS_KEY_PREFIX").trim(),
                new ToolQueues(r.queue("high", "TOOL_QUEUE_HIGH"), r.queue("default", "TOOL_QUEUE_DEFAULT"),
                        r.queue("low", "TOOL_QUEUE_LOW")),
                r.duration("exflow.tool.visibility-timeout", "TOOL_VISIBILITY_TIMEOUT"),
                r.longValue("exflow.tool.simulate-seed", "TOOL_SIMULATE_SEED"),
                r.intIn("exflow.tool.max-concurrent-calls", "TOOL_MAX_CONCURRENT_CALLS", 1, 10_000),
                r.duration("quarkus.shutdown.timeout", "SHUTDOWN_TIMEOUT"));
        if (!r.problems.isEmpty()) {
            throw new IllegalStateException("exflow cannot start:\n  - " + String.join("\n  - ", r.problems));
        }
        return settings;
    }

    /** Reads raw strings and collects every problem instead of failing at the first. */
    private static final class Reader {
        private final Config config;
        private final List<String> problems = new ArrayList<>();

        Reader(Config config) {
            this.config = config;
        }

        void problem(String variable, String message) {
            problems.add(new InvalidConfigException(variable, message).getMessage());
        }

        String string(String key, String variable) {
            return config.getOptionalValue(key, String.class).orElse("");
        }

        String topic(String logical, String variable) {
            String name = string("exflow.topic." + logical, variable).trim();
            if (!name.matches("[a-zA-Z0-9._-]{1,249}")) {
                problem(variable, "is not a valid Kafka topic name: '" + name + "'");
            }
            return name;
        }

        String queue(String priority, String variable) {
            String name = string("exflow.tool.queue." + priority, variable).trim();
            if (name.isEmpty() || name.contains(" ")) {
                problem(variable, "must be a Redis key without spaces, was '" + name + "'");
            }
            return name;
        }

        long longValue(String key, String variable) {
            String raw = string(key, variable).trim();
            try {
                return Long.parseLong(raw);
            } catch (NumberFormatException e) {
                problem(variable, "must be an integer, was '" + raw + "'");
                return 0;
            }
        }

        int intIn(String key, String variable, int min, int max) {
            String raw = string(key, variable).trim();
            try {
                int value = Integer.parseInt(raw);
                if (value < min || value > max) {
                    problem(variable, "must be between " + min + " and " + max + ", was " + value);
                }
                return value;
            } catch (NumberFormatException e) {
                problem(variable, "must be an integer, was '" + raw + "'");
                return min;
            }
        }

        boolean bool(String key, String variable) {
            String raw = string(key, variable).trim().toLowerCase(Locale.ROOT);
            if (!raw.equals("true") && !raw.equals("false")) {
                problem(variable, "must be true or false, was '" + raw + "'");
            }
            return raw.equals("true");
        }

        Duration duration(String key, String variable) {
            String raw = string(key, variable).trim();
            try {
                Duration value = parseDuration(raw);
                if (value.isNegative() || value.isZero()) {
                    problem(variable, "must be a positive duration, was '" + raw + "'");
                }
                return value;
            } catch (RuntimeException e) {
                problem(variable, "must be a duration such as PT5S, 500ms, 5s or 2m, was '" + raw + "'");
                return Duration.ofSeconds(1);
            }
        }

        Set<String> csvSet(String key, String variable) {
            Set<String> values = new LinkedHashSet<>();
            for (String part : string(key, variable).split(",")) {
                if (!part.isBlank()) {
                    values.add(part.trim());
                }
            }
            return Set.copyOf(values);
        }

        Map<String, Integer> typeLimits(String key, String variable) {
            Map<String, Integer> limits = new LinkedHashMap<>();
            for (String part : csvSet(key, variable)) {
                String[] kv = part.split("=", 2);
                try {
                    int limit = Integer.parseInt(kv[1].trim());
                    if (limit < 1) {
                        throw new NumberFormatException();
                    }
                    limits.put(kv[0].trim(), limit);
                } catch (RuntimeException e) {
                    problem(variable, "entries must look like <event type>=<attempts ≥ 1>, was '" + part + "'");
                }
            }
            return Map.copyOf(limits);
        }
    }

    /** ISO-8601 (PT5S) or the short forms operators type: 500ms, 5s, 2m, 1h. */
    static Duration parseDuration(String raw) {
        String s = raw.trim().toLowerCase(Locale.ROOT);
        if (s.startsWith("pt") || s.startsWith("p")) {
            return Duration.parse(raw.trim().toUpperCase(Locale.ROOT));
        }
        if (s.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
        }
        long n = Long.parseLong(s.substring(0, s.length() - 1));
        return switch (s.charAt(s.length() - 1)) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            default -> throw new IllegalArgumentException(raw);
        };
    }
}

package io.exflow.runtime.config;

import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.eclipse.microprofile.config.Config;

/**
 * The worker tier's settings, parsed and validated once at start-up. Each is read from its
 * {@code exflow.*} key (whose value in application.properties is an environment variable
 * with a default) through {@link SettingsReader}, which reports a bad value with the variable's
 * name, all problems at once. The api's and the sla-monitor's settings are read the same way.
 */
public record ExflowSettings(
        Set<WorkerRole> roles,
        int concurrency,
        String consumerGroupOverride,
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
        int outboxRelayLanes,
        String packsDir,
        String redisKeyPrefix,
        ToolQueues toolQueues,
        Duration toolVisibilityTimeout,
        Duration toolJobOverdue,
        long toolSimulateSeed,
        int toolMaxConcurrentCalls,
        Duration fleetHeartbeatInterval,
        Duration shutdownTimeout,
        String groupInstanceId,
        Retention retention) {

    /**
     * Data lifecycle (io.exflow.runtime.retention.Retention).
     *
     * @param claims    how long an idempotency claim is kept: at least the longest topic retention
     *                  plus the replay horizon, since a duplicate older than that is taken as new
     * @param history   how long closed exceptions (with timeline, tool executions, outcomes, SLA
     *                  markers) and handled dead letters are kept
     * @param interval  how often one replica runs the job
     * @param batchSize closed exceptions (and dead letters) deleted per transaction
     */
    public record Retention(Duration claims, Duration history, Duration interval, int batchSize) {
    }

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

    /**
     * Durable retries.
     *
     * @param runLease how long a retry taken for a run is hidden from every replica: the run counts
     *                 (crash-loop quarantine) and a process that dies in it leaves the retry due again
     *                 after this
     */
    public record Retry(int maxAttempts, Duration initialBackoff, Duration maxBackoff, Duration pollInterval,
            Duration runLease, Map<String, Integer> maxAttemptsByType) {
        public int maxAttemptsFor(String eventType) {
            return eventType == null ? maxAttempts : maxAttemptsByType.getOrDefault(eventType, maxAttempts);
        }
    }

    /**
     * The consumer group of a role in this process: its Kafka consumer group, and the name under
     * which its idempotency records, retries and dead letters are kept.
     */
    public String consumerGroup(WorkerRole role) {
        return consumerGroupOverride.isEmpty() ? role.defaultConsumerGroup() : consumerGroupOverride;
    }

    /**
     * Kafka static membership: the consumer of {@code role} joins as {@code <GROUP_INSTANCE_ID>-<role>},
     * so a restarted process takes its partitions back at once instead of waiting for the group to
     * expire its previous self. Empty when GROUP_INSTANCE_ID is empty (dynamic membership).
     */
    public java.util.Optional<String> groupInstanceId(WorkerRole role) {
        return groupInstanceId.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(groupInstanceId + "-" + role.id());
    }

    public boolean runs(WorkerRole role) {
        return roles.contains(role);
    }

    public static ExflowSettings load(Config config) {
        SettingsReader r = new SettingsReader(config);
        Set<WorkerRole> roles = EnumSet.noneOf(WorkerRole.class);
        try {
            roles = WorkerRole.parseWorkerType(r.string("exflow.worker-type"));
        } catch (InvalidConfigException e) {
            r.problem(e);
        }
        String consumerGroup = r.string("exflow.group-id");
        if (!consumerGroup.isEmpty() && roles.size() > 1) {
            r.problem("GROUP_ID", "cannot be set when WORKER_TYPE=all (each role uses its own consumer group exflow-<role>)");
        }
        Topics topics = new Topics(
                topic(r, "ingested", "TOPIC_INGESTED"), topic(r, "normalized", "TOPIC_NORMALIZED"),
                topic(r, "triaged", "TOPIC_TRIAGED"), topic(r, "decided", "TOPIC_DECIDED"),
                topic(r, "closed", "TOPIC_CLOSED"), topic(r, "tool-results", "TOPIC_TOOL_RESULTS"),
                topic(r, "sla-alerts", "TOPIC_SLA_ALERTS"), topic(r, "deadletter", "TOPIC_DEADLETTER"));
        if (new LinkedHashSet<>(topics.all()).size() != topics.all().size()) {
            r.problem("TOPIC_*", "two logical topics share one name: " + topics.all());
        }
        String offsetReset = r.string("exflow.kafka.auto-offset-reset").toLowerCase(Locale.ROOT);
        if (!Set.of("earliest", "latest").contains(offsetReset)) {
            r.problem("KAFKA_AUTO_OFFSET_RESET", "must be earliest or latest, was '" + offsetReset + "'");
        }
        Retry retry = new Retry(
                r.intIn("exflow.retry.max-attempts", "RETRY_MAX_ATTEMPTS", 1, 100),
                r.duration("exflow.retry.initial-backoff", "RETRY_INITIAL_BACKOFF"),
                r.duration("exflow.retry.max-backoff", "RETRY_MAX_BACKOFF"),
                r.duration("exflow.retry.poll-interval", "RETRY_POLL_INTERVAL"),
                r.duration("exflow.retry.run-lease", "RETRY_RUN_LEASE"),
                r.positiveCounts("exflow.retry.max-attempts-by-type", "RETRY_MAX_ATTEMPTS_BY_TYPE", "<event type>=<attempts ≥ 1>"));
        // Read by the scheduler from its key; checked here so a bad value is reported with the others.
        r.duration("exflow.tool.job-overdue-check", "TOOL_JOB_OVERDUE_CHECK");
        ExflowSettings settings = new ExflowSettings(
                roles,
                r.intIn("exflow.concurrency", "CONCURRENCY", 1, 256),
                consumerGroup,
                r.csvSet("exflow.tenant-allowlist"),
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
                r.intIn("exflow.outbox.relay-lanes", "OUTBOX_RELAY_LANES", 1, 64),
                r.string("exflow.packs.dir"),
                r.string("exflow.redis.key-prefix"),
                new ToolQueues(queue(r, "high", "TOOL_QUEUE_HIGH"), queue(r, "default", "TOOL_QUEUE_DEFAULT"),
                        queue(r, "low", "TOOL_QUEUE_LOW")),
                r.duration("exflow.tool.visibility-timeout", "TOOL_VISIBILITY_TIMEOUT"),
                r.duration("exflow.tool.job-overdue", "TOOL_JOB_OVERDUE"),
                r.longValue("exflow.tool.simulate-seed", "TOOL_SIMULATE_SEED"),
                r.intIn("exflow.tool.max-concurrent-calls", "TOOL_MAX_CONCURRENT_CALLS", 1, 10_000),
                r.duration("exflow.fleet.heartbeat-interval", "FLEET_HEARTBEAT_INTERVAL"),
                r.duration("quarkus.shutdown.timeout", "SHUTDOWN_TIMEOUT"),
                // Kafka allows 249 of these characters in an id; the role suffix takes at most 12.
                r.matching("exflow.kafka.group-instance-id", "GROUP_INSTANCE_ID", "|[a-zA-Z0-9._-]{1,200}",
                        "must be empty or up to 200 of the characters a-z A-Z 0-9 . _ - (a pod name)"),
                new Retention(
                        r.duration("exflow.retention.claims", "RETENTION_CLAIMS"),
                        r.duration("exflow.retention.history", "RETENTION_HISTORY"),
                        r.duration("exflow.retention.interval", "RETENTION_INTERVAL"),
                        r.intIn("exflow.retention.batch-size", "RETENTION_BATCH_SIZE", 1, 100_000)));
        r.failIfProblems();
        return settings;
    }

    private static String topic(SettingsReader r, String logical, String variable) {
        String name = r.string("exflow.topic." + logical);
        if (!name.matches("[a-zA-Z0-9._-]{1,249}")) {
            r.problem(variable, "is not a valid Kafka topic name: '" + name + "'");
        }
        return name;
    }

    private static String queue(SettingsReader r, String priority, String variable) {
        String name = r.string("exflow.tool.queue." + priority);
        if (name.isEmpty() || name.contains(" ")) {
            r.problem(variable, "must be a Redis key without spaces, was '" + name + "'");
        }
        return name;
    }
}

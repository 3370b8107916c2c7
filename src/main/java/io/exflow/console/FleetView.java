package io.exflow.console;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;

import io.exflow.runtime.config.ExflowSettings;
import io.exflow.runtime.config.WorkerRole;
import io.exflow.runtime.delivery.Jdbc;
import io.exflow.runtime.kafka.KafkaClients;
import io.exflow.runtime.redis.RedisKeys;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.keys.KeyScanArgs;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * What the Queues and Workers pages show, read live from the systems themselves: Kafka lag per
 * consumer group and partition from the committed offsets (Kafka Admin client), the Redis tool
 * queues and the processing lists of the tool workers, the durable retry backlog, the live
 * processes (io.exflow.runtime.fleet), and the replicas KEDA would set for each. None of it is
 * tenant data: queue depths and processes are the fleet's.
 */
@ApplicationScoped
public class FleetView {
    private static final long TIMEOUT_SECONDS = 5;

    private final ExflowSettings settings;
    private final KafkaClients kafka;
    private final RedisDataSource redis;
    private final RedisKeys keys;
    private final DataSource dataSource;
    private final KedaThresholds thresholds = KedaThresholds.fromClasspath();
    private Admin admin;

    public FleetView(ExflowSettings settings, KafkaClients kafka, RedisDataSource redis, RedisKeys keys, DataSource dataSource) {
        this.settings = settings;
        this.kafka = kafka;
        this.redis = redis;
        this.keys = keys;
        this.dataSource = dataSource;
    }

    public record PartitionLag(String topic, int partition, Long committed, long end, long lag) {
    }

    public record GroupLag(String role, String group, List<String> topics, long totalLag, List<PartitionLag> partitions,
            int kedaReplicas, int minReplicas, int maxReplicas, int lagThreshold, boolean hasCommits) {
    }

    public record ToolQueue(String priority, String list, long length, int threshold) {
    }

    public record ToolQueues(List<ToolQueue> queues, long inFlight, int processingLists, int kedaReplicas, int minReplicas,
            int maxReplicas) {
    }

    public record RetryBacklog(String consumer, long rows, long replays, Instant nextDue) {
    }

    public record Process(String processId, String roles, String host, long pid, String version, int concurrency,
            Instant startedAt, Instant heartbeatAt, double eventsPerSecond, long eventsTotal) {
    }

    /** The topics each Kafka-lag role consumes, as its ScaledObject's triggers list them. */
    public List<String> topicsOf(WorkerRole role) {
        ExflowSettings.Topics t = settings.topics();
        return switch (role) {
            case INTAKE -> List.of(t.ingested());
            case TRIAGE -> List.of(t.normalized());
            case POLICY -> List.of(t.triaged());
            case PLAYBOOK -> List.of(t.decided(), t.toolResults());
            case FEEDBACK -> List.of(t.closed(), t.slaAlerts());
            default -> List.of();
        };
    }

    private synchronized Admin admin() {
        if (admin == null) {
            admin = kafka.admin();
        }
        return admin;
    }

    @PreDestroy
    synchronized void close() {
        if (admin != null) {
            admin.close(java.time.Duration.ofSeconds(2));
        }
    }

    /**
     * Lag of every Kafka-lag role's default consumer group. A partition the group has never
     * committed counts from the earliest offset, as KEDA does with offsetResetPolicy earliest.
     */
    public List<GroupLag> kafkaLag() throws Exception {
        Admin a = admin();
        List<String> topics = KedaThresholds.LAG_ROLES.stream().flatMap(r -> topicsOf(r).stream()).distinct().toList();
        Map<String, TopicDescription> described = a.describeTopics(topics).allTopicNames().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        List<TopicPartition> partitions = new ArrayList<>();
        described.forEach((name, d) -> {
            for (TopicPartitionInfo p : d.partitions()) {
                partitions.add(new TopicPartition(name, p.partition()));
            }
        });
        Map<TopicPartition, Long> end = offsets(a, partitions, OffsetSpec.latest());
        Map<TopicPartition, Long> earliest = offsets(a, partitions, OffsetSpec.earliest());
        List<GroupLag> out = new ArrayList<>();
        for (WorkerRole role : KedaThresholds.LAG_ROLES) {
            String group = role.defaultConsumerGroup();
            Map<TopicPartition, OffsetAndMetadata> committed = a.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            List<String> roleTopics = topicsOf(role);
            List<PartitionLag> rows = new ArrayList<>();
            long[] perTopic = new long[roleTopics.size()];
            int maxPartitions = 0;
            for (int i = 0; i < roleTopics.size(); i++) {
                String topic = roleTopics.get(i);
                List<TopicPartition> ofTopic = partitions.stream().filter(tp -> tp.topic().equals(topic))
                        .sorted(java.util.Comparator.comparingInt(TopicPartition::partition)).toList();
                maxPartitions = Math.max(maxPartitions, ofTopic.size());
                for (TopicPartition tp : ofTopic) {
                    OffsetAndMetadata c = committed.get(tp);
                    long endOffset = end.getOrDefault(tp, 0L);
                    long from = c == null ? earliest.getOrDefault(tp, 0L) : c.offset();
                    long lag = Math.max(0, endOffset - from);
                    perTopic[i] += lag;
                    rows.add(new PartitionLag(topic, tp.partition(), c == null ? null : c.offset(), endOffset, lag));
                }
            }
            long total = java.util.Arrays.stream(perTopic).sum();
            out.add(new GroupLag(role.id(), group, roleTopics, total, rows,
                    thresholds.kafkaReplicas(role, perTopic, maxPartitions), thresholds.minReplicas(role),
                    thresholds.maxReplicas(role), thresholds.lagThreshold(role), !committed.isEmpty()));
        }
        return out;
    }

    private static Map<TopicPartition, Long> offsets(Admin a, Collection<TopicPartition> partitions, OffsetSpec spec)
            throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(tp -> request.put(tp, spec));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> info = a.listOffsets(request).all()
                .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        Map<TopicPartition, Long> out = new HashMap<>();
        info.forEach((tp, i) -> out.put(tp, i.offset()));
        return out;
    }

    /** Tool queue lengths per priority, jobs held in workers' processing lists, and the tool replicas KEDA would set. */
    public ToolQueues toolQueues() {
        ExflowSettings.ToolQueues q = settings.toolQueues();
        String[] priorities = { "HIGH", "DEFAULT", "LOW" };
        List<String> names = q.inPriorityOrder();
        List<ToolQueue> queues = new ArrayList<>();
        long inFlight = 0;
        int lists = 0;
        for (int i = 0; i < names.size(); i++) {
            String key = keys.key(names.get(i));
            queues.add(new ToolQueue(priorities[i], names.get(i), redis.list(String.class).llen(key),
                    thresholds.listLength(priorities[i])));
            for (String processing : redis.key().scan(new KeyScanArgs().match(key + ":processing:*").count(200)).toIterable()) {
                lists++;
                inFlight += redis.list(String.class).llen(processing);
            }
        }
        return new ToolQueues(queues, inFlight, lists,
                thresholds.toolReplicas(queues.get(0).length(), queues.get(1).length(), queues.get(2).length()),
                thresholds.minReplicas(WorkerRole.TOOL), thresholds.maxReplicas(WorkerRole.TOOL));
    }

    /** Durable retries waiting per consumer (operator replays counted apart). */
    public List<RetryBacklog> retryBacklog() {
        return Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT consumer, count(*), count(*) FILTER (WHERE origin = 'REPLAY'), "
                    + "min(next_attempt_at) FROM retry_schedule GROUP BY consumer ORDER BY consumer");
                    ResultSet rs = ps.executeQuery()) {
                List<RetryBacklog> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(new RetryBacklog(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getTimestamp(4).toInstant()));
                }
                return out;
            }
        });
    }

    public long outboxBacklog() {
        return Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM outbox"); ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    /** Processes whose heartbeat has not expired, by role list then host. */
    public List<Process> processes() {
        return Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT process_id, roles, host, pid, version, concurrency, "
                    + "started_at, heartbeat_at, events_per_sec, events_total FROM fleet_process WHERE expires_at > now() "
                    + "ORDER BY roles, host, pid"); ResultSet rs = ps.executeQuery()) {
                List<Process> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(new Process(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getString(5),
                            rs.getInt(6), rs.getTimestamp(7).toInstant(), rs.getTimestamp(8).toInstant(), rs.getDouble(9),
                            rs.getLong(10)));
                }
                return out;
            }
        });
    }

    /** Live processes per role id (a process running several roles counts for each). */
    public Map<String, Long> processesByRole(List<Process> processes) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (WorkerRole r : WorkerRole.values()) {
            out.put(r.id(), processes.stream().filter(p -> List.of(p.roles().split(",")).contains(r.id())).count());
        }
        return out;
    }
}

package io.exflow.runtime.delivery;

import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;

import javax.sql.DataSource;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.exflow.runtime.config.ExflowSettings;
import io.exflow.runtime.kafka.KafkaClients;
import io.exflow.runtime.metrics.ExflowMetrics;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Publishes outbox rows to Kafka (or pushes them to Redis lists) and deletes them once
 * they were acknowledged, in one transaction per batch. The after-commit path deletes first
 * and sends what its delete returned; the sweeper locks old rows {@code FOR UPDATE SKIP
 * LOCKED}: either way a row is locked while it is sent, so the publisher and the sweepers of
 * any number of replicas never send one row concurrently. A crash after sending and before
 * committing re-sends, which downstream idempotency absorbs.
 */
@ApplicationScoped
public class OutboxRelay {
    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    private static final TypeReference<Map<String, String>> HEADERS = new TypeReference<>() {
    };
    private static final int SWEEP_BATCH = 500;
    /** Outbox rows whose topic starts with this go to the Redis list named by the rest (LPUSH). */
    public static final String REDIS_DESTINATION = "redis:";
    /** A job list's wake-up tokens live in the list named like it plus this. */
    public static final String WAKE_SUFFIX = ":wake";
    private static final int WAKE_TOKENS_MAX = 64;
    /** LPUSH the jobs (ARGV[2..]) on KEYS[1], one token each on KEYS[2], keep at most ARGV[1] tokens. */
    private static final String PUSH_SCRIPT = """
            redis.call('LPUSH', KEYS[1], unpack(ARGV, 2))
            local tokens = math.min(#ARGV - 1, tonumber(ARGV[1]))
            for i = 1, tokens do redis.call('LPUSH', KEYS[2], '1') end
            redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[1]) - 1)
            return tokens
            """;
    private static final long SEND_TIMEOUT_SECONDS = 30;

    private final DataSource dataSource;
    private final ObjectMapper mapper;
    private final ExflowSettings settings;
    private final KafkaClients kafka;
    private final ExflowMetrics metrics;
    /** After-commit publishers, each with its own thread and queue; a record key always goes to the same one. */
    private final List<RelayLane> lanes;
    private volatile KafkaProducer<String, byte[]> producer;
    /** After a failed publish, leave rows to the sweeper until it succeeds, instead of queueing doomed sends. */
    private volatile boolean kafkaHealthy = true;

    private final jakarta.enterprise.inject.Instance<io.quarkus.redis.datasource.RedisDataSource> redis;
    @jakarta.inject.Inject
    PublishSpans publishSpans;

    public OutboxRelay(DataSource dataSource, ObjectMapper mapper, ExflowSettings settings, KafkaClients kafka,
            ExflowMetrics metrics, jakarta.enterprise.inject.Instance<io.quarkus.redis.datasource.RedisDataSource> redis) {
        this.redis = redis;
        this.dataSource = dataSource;
        this.mapper = mapper;
        this.settings = settings;
        this.kafka = kafka;
        this.metrics = metrics;
        this.lanes = IntStream.range(0, settings.outboxRelayLanes()).mapToObj(RelayLane::new).toList();
    }

    /**
     * Publishes these just-committed rows soon, off the caller's thread, from memory; the sweeper
     * is the safety net. Rows are spread over the relay lanes by record key, so one key's events
     * stay in commit order while a slow send holds only its own lane.
     */
    public void publishSoon(List<Outbox.Stored> rows) {
        if (rows.isEmpty() || !kafkaHealthy) {
            return;
        }
        if (lanes.size() == 1) {
            lanes.get(0).offer(rows);
            return;
        }
        Map<RelayLane, List<Outbox.Stored>> byLane = new LinkedHashMap<>();
        for (Outbox.Stored row : rows) {
            byLane.computeIfAbsent(laneOf(row), l -> new ArrayList<>()).add(row);
        }
        byLane.forEach(RelayLane::offer);
    }

    private RelayLane laneOf(Outbox.Stored row) {
        String key = row.row().key();
        int hash = key == null ? Long.hashCode(row.id()) : key.hashCode();
        return lanes.get(Math.floorMod(hash, lanes.size()));
    }

    private record Queued(Outbox.Stored row, long atNanos) {
    }

    /**
     * One after-commit publisher: rows committed while its publish is running are sent together
     * in its next one, so a lane keeps up with many small commits.
     */
    private final class RelayLane {
        private final ExecutorService thread;
        private final ConcurrentLinkedQueue<Queued> pending = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean scheduled = new AtomicBoolean();

        RelayLane(int index) {
            thread = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "exflow-outbox-relay-" + index);
                t.setDaemon(true);
                return t;
            });
        }

        void offer(List<Outbox.Stored> rows) {
            if (thread.isShutdown()) {
                return;
            }
            long now = System.nanoTime();
            rows.forEach(row -> pending.add(new Queued(row, now)));
            if (scheduled.compareAndSet(false, true)) {
                thread.execute(this::publishPending);
            }
        }

        private void publishPending() {
            scheduled.set(false);
            long started = System.nanoTime();
            long oldest = started;
            List<Outbox.Stored> rows = new ArrayList<>();
            for (Queued queued; rows.size() < SWEEP_BATCH * 4 && (queued = pending.poll()) != null;) {
                rows.add(queued.row());
                oldest = Math.min(oldest, queued.atNanos());
            }
            if (!pending.isEmpty() && scheduled.compareAndSet(false, true)) {
                thread.execute(this::publishPending);
            }
            if (rows.isEmpty()) {
                return;
            }
            metrics.hop(ExflowMetrics.HopStage.OUTBOX_HANDOFF, "", started - oldest);
            try {
                publish(rows);
                metrics.hop(ExflowMetrics.HopStage.OUTBOX_PUBLISH, "", System.nanoTime() - started);
            } catch (RuntimeException e) {
                replaceProducerIfRefused(e);
                kafkaHealthy = false;
                pending.clear();
                LOG.warnf("outbox publish deferred to the sweeper: %s", FailureClassifier.describe(e));
            }
        }
    }

    /** Any replica may sweep: rows older than OUTBOX_SWEEP_MIN_AGE were missed by their publisher. */
    @Scheduled(every = "${exflow.outbox.sweep-interval}", delayed = "2s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sweep() {
        try {
            int sent;
            do {
                Sent result = QuarkusTransaction.requiringNew().call(this::sweepOnce);
                parked(result.parked());
                sent = result.rows();
            } while (sent == SWEEP_BATCH);
            kafkaHealthy = true;
        } catch (RuntimeException e) {
            replaceProducerIfRefused(e);
            LOG.debugf("outbox sweep failed, will try again: %s", FailureClassifier.describe(e));
        }
    }

    /** How a publish ended: rows handled, and those Kafka refused for good (moved to outbox_parked). */
    private record Sent(int rows, List<Unpublishable> parked) {
    }

    /** A row Kafka will never take, and why. */
    private record Unpublishable(Outbox.Stored row, Throwable cause) {
    }

    /** Locks the oldest forgotten rows (skipping rows others hold), sends them, deletes them. */
    private Sent sweepOnce() {
        List<Outbox.Stored> rows = Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id, topic, record_key, headers::text, payload FROM outbox "
                    + "WHERE created_at < now() - ?::interval ORDER BY id LIMIT " + SWEEP_BATCH + " FOR UPDATE SKIP LOCKED")) {
                ps.setString(1, settings.outboxSweepMinAge().toMillis() + " milliseconds");
                List<Outbox.Stored> found = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        found.add(new Outbox.Stored(rs.getLong(1), new PendingWrites.OutboxRow(rs.getString(2), rs.getString(3),
                                headers(rs.getString(4)), rs.getBytes(5))));
                    }
                }
                return found;
            }
        });
        List<Unpublishable> refused = send(rows);
        park(refused);
        delete(rows.stream().map(Outbox.Stored::id).toArray(Long[]::new));
        return new Sent(rows.size(), refused);
    }

    /**
     * Publishes committed rows from memory and blocks until Kafka acknowledged them. The rows are
     * deleted first, in the same transaction: the delete locks them (a sweeper holding one makes
     * it wait, then find it gone), and only rows this call deleted are sent. If a send fails the
     * transaction rolls back and the rows stay for the sweeper.
     */
    public int publish(List<Outbox.Stored> rows) {
        Sent sent = QuarkusTransaction.requiringNew().call(() -> {
            Set<Long> owned = delete(rows.stream().map(Outbox.Stored::id).toArray(Long[]::new));
            List<Outbox.Stored> mine = rows.stream().filter(r -> owned.contains(r.id())).toList();
            List<Unpublishable> refused = send(mine);
            park(refused);
            return new Sent(mine.size(), refused);
        });
        parked(sent.parked());
        return sent.rows();
    }

    /** Drains the after-commit queues (graceful shutdown), all lanes within one timeout. */
    public void drain(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        lanes.forEach(lane -> lane.thread.shutdown());
        try {
            for (RelayLane lane : lanes) {
                lane.thread.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Set<Long> delete(Long[] ids) {
        if (ids.length == 0) {
            return Set.of();
        }
        return Jdbc.with(dataSource, c -> {
            // The commit need not wait for the WAL flush: a delete lost with PostgreSQL itself only
            // sends its rows again, which downstream idempotency absorbs.
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM outbox WHERE id = ANY (?) "
                    + "RETURNING id, set_config('synchronous_commit', 'off', true)")) {
                delete.setArray(1, c.createArrayOf("bigint", ids));
                Set<Long> deleted = new HashSet<>();
                try (ResultSet rs = delete.executeQuery()) {
                    while (rs.next()) {
                        deleted.add(rs.getLong(1));
                    }
                }
                return deleted;
            }
        });
    }

    /** Sends the rows and waits for every acknowledgement, inside their publish spans. */
    private List<Unpublishable> send(List<Outbox.Stored> rows) {
        PublishSpans.Sending spans = publishSpans.start(rows);
        List<Unpublishable> refused;
        try {
            refused = sendUntraced(rows);
        } catch (RuntimeException e) {
            spans.end(e);
            throw e;
        }
        spans.end(null);
        return refused;
    }

    /**
     * Sends the rows and waits for every acknowledgement; throws if one is missing for a reason that
     * may pass (the rows stay and are sent again).
     *
     * @return the rows Kafka refused for good ({@link #neverPublishable}), to be parked
     */
    private List<Unpublishable> sendUntraced(List<Outbox.Stored> rows) {
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        List<Outbox.Stored> sentRows = new ArrayList<>();
        Map<String, List<String>> jobsByList = new LinkedHashMap<>();
        for (Outbox.Stored stored : rows) {
            PendingWrites.OutboxRow row = stored.row();
            if (row.topic().startsWith(REDIS_DESTINATION)) {
                jobsByList.computeIfAbsent(row.topic().substring(REDIS_DESTINATION.length()), l -> new ArrayList<>())
                        .add(new String(row.payload(), StandardCharsets.UTF_8));
                continue;
            }
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(row.topic(), row.key(), row.payload());
            row.headers().forEach((k, v) -> record.headers().add(new RecordHeader(k, v.getBytes(StandardCharsets.UTF_8))));
            acks.add(producer().send(record));
            sentRows.add(stored);
        }
        // Pushed before the rows are deleted for good: a crash in between pushes a job twice, and the
        // consumer's idempotent claim drops the second copy.
        jobsByList.forEach(this::pushJobs);
        List<Unpublishable> refused = new ArrayList<>();
        for (int i = 0; i < acks.size(); i++) {
            try {
                acks.get(i).get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                if (!neverPublishable(e.getCause())) {
                    throw new TransientFailure("Kafka did not acknowledge an outbox record", e);
                }
                refused.add(new Unpublishable(sentRows.get(i), e.getCause()));
            } catch (Exception e) {
                throw new TransientFailure("Kafka did not acknowledge an outbox record", e);
            }
        }
        return refused;
    }

    /**
     * Errors that sending the same record again cannot cure: it is larger than the producer or the
     * topic takes, or the topic name or record is invalid. Anything else (a broker away, a missing
     * topic, a refused login or ACL an operator can fix) is retried.
     */
    static boolean neverPublishable(Throwable error) {
        return error instanceof org.apache.kafka.common.errors.RecordTooLargeException
                || error instanceof org.apache.kafka.common.errors.RecordBatchTooLargeException
                || error instanceof org.apache.kafka.common.errors.InvalidTopicException
                || error instanceof org.apache.kafka.common.InvalidRecordException;
    }

    /** Moves refused rows out of the outbox's way, in the caller's transaction (their delete is in it too). */
    private void park(List<Unpublishable> refused) {
        if (refused.isEmpty()) {
            return;
        }
        Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO outbox_parked (id, topic, record_key, headers, payload, "
                    + "created_at, error) VALUES (?, ?, ?, ?::jsonb, ?, coalesce((SELECT created_at FROM outbox WHERE id = ?), now()), ?) "
                    + "ON CONFLICT (id) DO NOTHING")) {
                for (Unpublishable u : refused) {
                    PendingWrites.OutboxRow row = u.row().row();
                    ps.setLong(1, u.row().id());
                    ps.setString(2, row.topic());
                    ps.setString(3, row.key());
                    ps.setString(4, mapper.writeValueAsString(row.headers()));
                    ps.setBytes(5, row.payload());
                    ps.setLong(6, u.row().id());
                    ps.setString(7, FailureClassifier.describe(u.cause()));
                    ps.addBatch();
                }
                return ps.executeBatch();
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Parked rows committed: count and log them (an alert rule watches the counter). */
    private void parked(List<Unpublishable> refused) {
        for (Unpublishable u : refused) {
            metrics.outboxParked(u.cause().getClass().getSimpleName());
            LOG.errorf("outbox row %d for %s (%d bytes) can never be published and was moved to outbox_parked: %s",
                    u.row().id(), u.row().row().topic(), u.row().row().payload().length, FailureClassifier.describe(u.cause()));
        }
    }

    /**
     * Pushes jobs with one wake-up token each: idle queue consumers block on the tokens of all their
     * queues at once, so a job is taken as soon as it lands, whatever its priority. The token list
     * is capped (a busy fleet that never blocks does not let tokens pile up).
     */
    private void pushJobs(String list, List<String> jobs) {
        List<String> args = new ArrayList<>(jobs.size() + 5);
        args.add(PUSH_SCRIPT);
        args.add("2");
        args.add(list);
        args.add(list + WAKE_SUFFIX);
        args.add(Integer.toString(WAKE_TOKENS_MAX));
        args.addAll(jobs);
        redis.get().execute("EVAL", args.toArray(String[]::new)); // one round trip: jobs, tokens, cap
    }

    /** Keeps exflow_outbox_backlog current: a growing backlog means Kafka is not taking our events. */
    @Scheduled(every = "5s", delayed = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void measureBacklog() {
        try {
            long backlog = Jdbc.with(dataSource, c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM outbox"); ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
            metrics.gauge("exflow.outbox.backlog").set(backlog);
            long parked = Jdbc.with(dataSource, c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM outbox_parked"); ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
            metrics.gauge("exflow.outbox.parked.rows").set(parked);
        } catch (RuntimeException e) {
            LOG.debugf("outbox backlog not measured: %s", e.getMessage());
        }
    }

    /**
     * A broker that refuses the login leaves an idempotent producer in a fatal state for good
     * (every later send fails with that error), so the next attempt gets a new producer: once the
     * credentials are accepted the relay publishes again without a restart.
     */
    private void replaceProducerIfRefused(RuntimeException failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof org.apache.kafka.common.errors.AuthenticationException) {
                KafkaProducer<String, byte[]> refused;
                synchronized (this) {
                    refused = producer;
                    producer = null;
                }
                if (refused != null) {
                    refused.close(Duration.ZERO);
                }
                return;
            }
        }
    }

    private KafkaProducer<String, byte[]> producer() {
        KafkaProducer<String, byte[]> p = producer;
        if (p == null) {
            synchronized (this) {
                if (producer == null) {
                    producer = kafka.producer();
                }
                p = producer;
            }
        }
        return p;
    }

    private Map<String, String> headers(String json) {
        try {
            return mapper.readValue(json, HEADERS);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @PreDestroy
    void close() {
        drain(Duration.ofSeconds(5));
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }
}

package io.exflow.runtime.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.exflow.runtime.Pause;
import io.exflow.runtime.WorkerLoop;
import io.exflow.runtime.delivery.DeliveryEngine;
import io.exflow.runtime.delivery.FailureClassifier;
import io.exflow.runtime.delivery.InboundRecord;
import io.exflow.runtime.delivery.OutboxRelay;
import io.exflow.runtime.delivery.Subscriber;
import io.exflow.runtime.event.CloudEventCodec;
import io.exflow.runtime.metrics.ExflowMetrics;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.keys.KeyScanArgs;
import io.quarkus.redis.datasource.list.ListCommands;
import io.quarkus.redis.datasource.list.Position;

/**
 * Reliable consumption of Redis lists. A job moves atomically ({@code LMOVE}/{@code BLMOVE})
 * from its queue to this worker's processing list for that queue, goes through the delivery
 * engine like any Kafka record, and is removed only once its outcome is durable. Each worker
 * keeps a heartbeat key alive; any worker returns the processing lists of workers whose
 * heartbeat expired (the visibility timeout) to the front of their queues. Queues are taken
 * in priority order, but on a weighted rotation (4 high : 2 default : 1 low) so a stream of
 * urgent jobs cannot starve the low queue. An idle loop blocks on the queues' wake-up tokens
 * (pushed with each job by the outbox relay), so it wakes for a job on any queue at once.
 */
public final class ReliableQueueLoop implements WorkerLoop {
    private static final Logger LOG = Logger.getLogger(ReliableQueueLoop.class);
    private static final int[] ROTATION = {0, 0, 0, 0, 1, 1, 2};
    /**
     * How long an idle loop waits for a wake-up token before looking at its queues anyway (jobs
     * returned by the reaper or pushed without a token are found then). A job pushed through the
     * outbox comes with a token, so it is taken as soon as it lands, whatever its queue.
     */
    private static final Duration IDLE_WAIT = Duration.ofSeconds(1);
    /**
     * Jobs taken per turn when a queue has a backlog: they go through the engine as one batch
     * (one claim transaction, one result transaction) instead of two transactions each. An idle
     * queue still hands over each job as soon as it arrives.
     */
    static final int TAKE_MAX = 32;
    private final Subscriber subscriber;
    private final List<String> queues;
    private final List<String> processing = new ArrayList<>();
    private final String[] wakeTokens;
    private final RedisDataSource redis;
    private final RedisKeys keys;
    private final DeliveryEngine engine;
    private final ExflowMetrics metrics;
    private final ObjectMapper mapper;
    private final Duration visibilityTimeout;
    private final String workerId = ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile boolean stalled;
    private long nextHousekeepingNanos;
    private int turn;

    /** @param queues unprefixed queue names, highest priority first */
    public ReliableQueueLoop(Subscriber subscriber, List<String> queues, RedisDataSource redis, RedisKeys keys,
            DeliveryEngine engine, ExflowMetrics metrics, ObjectMapper mapper, Duration visibilityTimeout) {
        this.subscriber = subscriber;
        this.redis = redis;
        this.keys = keys;
        this.engine = engine;
        this.metrics = metrics;
        this.mapper = mapper;
        this.visibilityTimeout = visibilityTimeout;
        this.queues = queues.stream().map(keys::key).toList();
        for (String queue : this.queues) {
            processing.add(queue + ":processing:" + workerId);
        }
        this.wakeTokens = this.queues.stream().map(q -> q + OutboxRelay.WAKE_SUFFIX).toArray(String[]::new);
    }

    @Override
    public void run() {
        ListCommands<String, String> lists = redis.list(String.class);
        Pause pause = new Pause();
        long beat = Math.max(1, visibilityTimeout.toMillis() / 3);
        // The heartbeat has its own timer so a long batch on this thread does not look like a dead worker.
        ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, subscriber.consumerGroup() + "-heartbeat");
            t.setDaemon(true);
            return t;
        });
        heartbeat.scheduleAtFixedRate(this::keepHeartbeat, 0, beat, TimeUnit.MILLISECONDS);
        try {
            while (running) {
                try {
                    housekeeping();
                    int first = ROTATION[turn++ % ROTATION.length];
                    List<Taken> taken = takeBatch(lists, first);
                    if (!taken.isEmpty()) {
                        deliver(lists, taken);
                    }
                    stalled = false;
                    pause.reset();
                } catch (RuntimeException e) {
                    stalled = true;
                    Duration wait = pause.take();
                    LOG.warnf("%s: queue loop error, retrying in %d ms: %s", subscriber.consumerGroup(), wait.toMillis(),
                            FailureClassifier.describe(e));
                    sleep(wait);
                }
            }
            heartbeat.shutdownNow(); // before the key is deleted, so a late beat cannot bring it back
            returnInFlight(lists);
            redis.key().del(heartbeatKey(workerId));
        } catch (RuntimeException e) {
            LOG.warnf("%s: could not return in-flight jobs on stop (the reaper will): %s", subscriber.consumerGroup(), e.getMessage());
        } finally {
            heartbeat.shutdownNow();
            stopped.countDown();
        }
    }

    private record Taken(int queue, String job) {
    }

    /**
     * Moves up to ARGV[1] jobs, in one round trip and atomically, from the first non-empty queue
     * (KEYS come in threes, in the order to try: queue, this worker's processing list for it, its
     * wake-up tokens) and drops the tokens of the jobs taken beyond the first (they would only
     * wake other loops for nothing). Returns the index of the queue, then the jobs; or nothing.
     */
    private static final String TAKE_SCRIPT = """
            for q = 0, #KEYS / 3 - 1 do
              local taken = {}
              for i = 1, tonumber(ARGV[1]) do
                local job = redis.call('LMOVE', KEYS[q * 3 + 1], KEYS[q * 3 + 2], 'RIGHT', 'LEFT')
                if not job then break end
                taken[#taken + 1] = job
              end
              if #taken > 0 then
                if #taken > 1 then redis.call('LPOP', KEYS[q * 3 + 3], #taken - 1) end
                table.insert(taken, 1, tostring(q))
                return taken
              end
            end
            return {}
            """;

    /**
     * The next batch: one pass over all queues starting with {@code first}'s turn, taking up to
     * {@link #TAKE_MAX} jobs of the first queue that has any; if all are empty, wait for a wake-up
     * token of any of them (or {@link #IDLE_WAIT}) and look again.
     */
    private List<Taken> takeBatch(ListCommands<String, String> lists, int first) {
        List<Taken> batch = tryTake(first);
        if (batch.isEmpty()) {
            lists.blpop(IDLE_WAIT, wakeTokens);
            batch = tryTake(first);
        }
        return batch;
    }

    private List<Taken> tryTake(int first) {
        List<String> args = new ArrayList<>();
        args.add(TAKE_SCRIPT);
        args.add(Integer.toString(queues.size() * 3));
        int[] order = new int[queues.size()];
        for (int i = 0; i < queues.size(); i++) {
            int q = i == 0 ? first : (i <= first ? i - 1 : i);
            order[i] = q;
            args.add(queues.get(q));
            args.add(processing.get(q));
            args.add(wakeTokens[q]);
        }
        args.add(Integer.toString(TAKE_MAX));
        io.vertx.mutiny.redis.client.Response reply = redis.execute("EVAL", args.toArray(String[]::new));
        if (reply == null || reply.size() == 0) {
            return List.of();
        }
        int queue = order[Integer.parseInt(reply.get(0).toString())];
        List<Taken> batch = new ArrayList<>(reply.size() - 1);
        for (int i = 1; i < reply.size(); i++) {
            batch.add(new Taken(queue, reply.get(i).toString()));
        }
        return batch;
    }

    /** Until their outcomes are durable the jobs stay in the processing list; only then are they removed. */
    private void deliver(ListCommands<String, String> lists, List<Taken> batch) {
        List<InboundRecord> records = batch.stream().map(this::toRecord).toList();
        Pause pause = new Pause();
        while (true) {
            try {
                engine.processBatch(subscriber, records);
                // A batch comes from one queue and is all this loop holds in that processing list.
                redis.key().del(processing.get(batch.get(0).queue()));
                return;
            } catch (RuntimeException e) {
                stalled = true;
                if (!running) {
                    return; // left in the processing list; returned to the queue on the way out
                }
                Duration wait = pause.take();
                LOG.warnf("%s: job not settled, retrying in %d ms: %s", subscriber.consumerGroup(), wait.toMillis(),
                        FailureClassifier.describe(e));
                sleep(wait);
            }
        }
    }

    private InboundRecord toRecord(Taken taken) {
        String key = "";
        try {
            JsonNode node = mapper.readTree(taken.job());
            key = node.path("tenantid").asText("") + ":" + node.path("exceptionid").asText("");
        } catch (Exception e) {
            // not JSON: the engine dead-letters it as MALFORMED_EVENT
        }
        String queue = queues.get(taken.queue());
        return new InboundRecord(queue.substring(keys.key("").length()), null, null, key,
                Map.of(CloudEventCodec.CONTENT_TYPE, CloudEventCodec.STRUCTURED), taken.job().getBytes(StandardCharsets.UTF_8),
                0, null);
    }

    /** The reaper and queue-length gauges, a few times per visibility timeout. */
    private void housekeeping() {
        long now = System.nanoTime();
        if (now - nextHousekeepingNanos < 0) {
            return;
        }
        nextHousekeepingNanos = now + visibilityTimeout.dividedBy(3).toNanos();
        ListCommands<String, String> lists = redis.list(String.class);
        for (int q = 0; q < queues.size(); q++) {
            String queue = queues.get(q);
            metrics.gauge("exflow.redis.queue.length", "queue", queue.substring(keys.key("").length())).set(lists.llen(queue));
            var cursor = redis.key().scan(new KeyScanArgs().match(queue + ":processing:*").count(100));
            while (cursor.hasNext()) {
                for (String held : cursor.next()) {
                    String owner = held.substring(held.lastIndexOf(':') + 1);
                    if (!owner.equals(workerId) && !redis.key().exists(heartbeatKey(owner))) {
                        int returned = 0;
                        while (lists.lmove(held, queue, Position.RIGHT, Position.RIGHT) != null) {
                            returned++;
                        }
                        if (returned > 0) {
                            LOG.warnf("%s: returned %d job(s) of dead worker %s to %s", subscriber.consumerGroup(), returned, owner, queue);
                        }
                    }
                }
            }
        }
    }

    private void keepHeartbeat() {
        try {
            redis.value(String.class).setex(heartbeatKey(workerId), Math.max(1, visibilityTimeout.toSeconds()), "alive");
        } catch (RuntimeException e) {
            // Redis is gone too; the job stays in our processing list either way
        }
    }

    private void returnInFlight(ListCommands<String, String> lists) {
        for (int q = 0; q < queues.size(); q++) {
            while (lists.lmove(processing.get(q), queues.get(q), Position.RIGHT, Position.RIGHT) != null) {
                // back to the front of its queue for another worker
            }
        }
    }

    private String heartbeatKey(String worker) {
        return keys.key("exflow:workers:" + subscriber.consumerGroup() + ":" + worker);
    }

    @Override
    public Subscriber subscriber() {
        return subscriber;
    }

    @Override
    public boolean stop(Duration timeout) {
        running = false;
        try {
            return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public boolean healthy() {
        return running && !stalled;
    }

    /** This worker's id (its processing lists end with it); tests use it to play a dead worker. */
    public String workerId() {
        return workerId;
    }

    private void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}

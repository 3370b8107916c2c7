package io.exflow.runtime.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

import io.exflow.runtime.Pause;
import io.exflow.runtime.delivery.DeliveryEngine;
import io.exflow.runtime.delivery.FailureClassifier;
import io.exflow.runtime.delivery.InboundRecord;
import io.exflow.runtime.delivery.Subscriber;
import io.exflow.runtime.metrics.ExflowMetrics;

/**
 * One Kafka consumer for one subscriber, on its own thread: poll, hand the batch to the
 * delivery engine, and commit the batch's offsets only after the engine returns (every
 * outcome durable) — asynchronously, and synchronously when partitions are handed over or
 * the loop stops. If the engine stalls (database unreachable) or fails after a commit, the
 * consumer seeks back to the uncommitted offsets and tries again after
 * a growing pause — nothing is skipped and the partition is not committed past it.
 * <p>
 * A partition the group gives this consumer without a committed offset gets one at once (its
 * current position), so lag — and KEDA's scaler, which reads committed offsets — is defined for
 * every partition from the moment a worker joins. With static membership (GROUP_INSTANCE_ID) the
 * consumer leaves the group explicitly on a graceful stop (a static member otherwise stays until
 * its session times out); after a crash it does not, so its restart takes the partitions back.
 */
public final class ConsumerLoop implements io.exflow.runtime.WorkerLoop {
    private static final Logger LOG = Logger.getLogger(ConsumerLoop.class);

    private final Subscriber subscriber;
    private final Collection<String> topics;
    private final KafkaClients clients;
    private final DeliveryEngine engine;
    private final ExflowMetrics metrics;
    private final Duration pollTimeout;
    private final Optional<String> groupInstanceId;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile long lastPollOkNanos = System.nanoTime();
    private volatile boolean stalled;
    private volatile int assignedPartitions;
    /** True once the group has given this consumer its assignment (possibly empty), until partitions are lost. */
    private volatile boolean joined;
    private long nextLagNanos = System.nanoTime();
    /** Next offsets of what was processed, per partition (only touched on the consumer thread). */
    private final Map<TopicPartition, OffsetAndMetadata> processed = new HashMap<>();

    public ConsumerLoop(Subscriber subscriber, Collection<String> topics, KafkaClients clients, DeliveryEngine engine,
            ExflowMetrics metrics, Duration pollTimeout, Optional<String> groupInstanceId) {
        this.subscriber = subscriber;
        this.topics = topics;
        this.clients = clients;
        this.engine = engine;
        this.metrics = metrics;
        this.pollTimeout = pollTimeout;
        this.groupInstanceId = groupInstanceId;
    }

    @Override
    public void run() {
        String clientId = subscriber.consumerGroup() + "-" + ProcessHandle.current().pid() + "-" + Thread.currentThread().getId();
        KafkaConsumer<String, byte[]> c = null;
        try {
            c = clients.consumer(subscriber.consumerGroup(), clientId, groupInstanceId);
            consumer = c;
            KafkaConsumer<String, byte[]> kc = c;
            c.subscribe(topics, new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
                    // hand over exactly where we are, so the next owner does not redo committed work
                    commitProcessed(kc, revoked);
                    assignedPartitions = Math.max(0, kc.assignment().size() - revoked.size());
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
                    commitStartingOffsets(kc, assigned);
                    assignedPartitions = kc.assignment().size();
                    joined = true;
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> lost) {
                    // another member may own them already: nothing to commit, and not in the group until it rejoins
                    joined = false;
                    lost.forEach(processed::remove);
                    assignedPartitions = Math.max(0, kc.assignment().size() - lost.size());
                }
            });
            Pause pause = new Pause();
            while (running) {
                ConsumerRecords<String, byte[]> polled;
                try {
                    polled = c.poll(pollTimeout);
                    lastPollOkNanos = System.nanoTime();
                } catch (WakeupException e) {
                    break;
                } catch (RuntimeException e) {
                    Duration wait = pause.take();
                    LOG.warnf("%s: poll failed, retrying in %d ms: %s", subscriber.consumerGroup(), wait.toMillis(), e.getMessage());
                    sleep(wait);
                    continue;
                }
                if (polled.isEmpty()) {
                    measureLag(c);
                    continue;
                }
                List<InboundRecord> batch = new ArrayList<>(polled.count());
                long polledAtMillis = System.currentTimeMillis();
                for (ConsumerRecord<String, byte[]> r : polled) {
                    batch.add(InboundRecord.of(r));
                    metrics.hop(ExflowMetrics.HopStage.DELIVERY_WAIT, subscriber.consumerGroup(),
                            Math.max(0, polledAtMillis - r.timestamp()) * 1_000_000L);
                }
                try {
                    engine.processBatch(subscriber, batch);
                    Map<TopicPartition, OffsetAndMetadata> next = nextOffsets(polled);
                    processed.putAll(next);
                    // Asynchronous: every outcome is already durable, so a lost commit only means
                    // redelivered duplicates, which the claims absorb; the thread moves on to the next poll.
                    c.commitAsync(next, (offsets, e) -> {
                        if (e != null) {
                            LOG.debugf("%s: offset commit failed (the records will be recognised as duplicates): %s",
                                    subscriber.consumerGroup(), e.getMessage());
                        }
                    });
                    stalled = false;
                    pause.reset();
                } catch (RuntimeException e) {
                    // Stalled engine or a failure after commit: the batch will come again;
                    // what did commit is recognised then as duplicates.
                    stalled = true;
                    Duration wait = pause.take();
                    LOG.warnf("%s: batch of %d not committed, redelivering after %d ms: %s", subscriber.consumerGroup(),
                            batch.size(), wait.toMillis(), FailureClassifier.describe(e));
                    seekBack(c, polled);
                    sleep(wait);
                }
                measureLag(c);
            }
            // Graceful stop: the last batch was processed above; commit for certain and leave the group cleanly.
            commitProcessed(c, List.copyOf(processed.keySet()));
        } catch (RuntimeException e) {
            if (running) {
                LOG.errorf(e, "%s: consumer loop failed", subscriber.consumerGroup());
            }
        } finally {
            joined = false;
            if (c != null) {
                close(c);
            }
            consumer = null;
            stopped.countDown();
        }
    }

    /** Stops polling after the batch in progress is committed; waits up to {@code timeout}. */
    @Override
    public boolean stop(Duration timeout) {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** True once the group gave this consumer partitions (what a demo or test waits for before producing). */
    public boolean assigned() {
        return assignedPartitions > 0;
    }

    /**
     * In the group with its assignment settled: true after the group handed this consumer its
     * partitions (none, if there are more consumers than partitions), false before and after it
     * lost them. Readiness needs it: a started consumer can wait long for the group.
     */
    public boolean joined() {
        return joined;
    }

    public int assignedPartitions() {
        return assignedPartitions;
    }

    /** Connected and not stalled: polls return within a few poll timeouts. */
    @Override
    public boolean healthy() {
        return !stalled && running && System.nanoTime() - lastPollOkNanos < Duration.ofSeconds(30).toNanos();
    }

    @Override
    public Subscriber subscriber() {
        return subscriber;
    }

    /** Commits, synchronously, what was processed on these partitions; a failure only means duplicates later. */
    private void commitProcessed(KafkaConsumer<String, byte[]> c, Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata o = processed.remove(tp);
            if (o != null) {
                offsets.put(tp, o);
            }
        }
        if (offsets.isEmpty()) {
            return;
        }
        try {
            c.commitSync(offsets, Duration.ofSeconds(5));
        } catch (WakeupException e) {
            c.commitSync(offsets, Duration.ofSeconds(5)); // a stop() woke the consumer: still commit before leaving
        } catch (RuntimeException e) {
            LOG.infof("%s: could not commit offsets on hand-over (redelivered records will be duplicates): %s",
                    subscriber.consumerGroup(), e.getMessage());
        }
    }

    /**
     * Commits the current position of every newly assigned partition that has no committed offset
     * yet (a new group, a new partition): nothing is skipped — the position is where
     * KAFKA_AUTO_OFFSET_RESET puts this consumer anyway — and lag is measurable from now on.
     * Failing only leaves the gap until the partition's first batch is committed.
     */
    private void commitStartingOffsets(KafkaConsumer<String, byte[]> c, Collection<TopicPartition> assigned) {
        if (assigned.isEmpty()) {
            return;
        }
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = c.committed(Set.copyOf(assigned), Duration.ofSeconds(5));
            Map<TopicPartition, OffsetAndMetadata> starting = new HashMap<>();
            for (TopicPartition tp : assigned) {
                if (committed.get(tp) == null) {
                    starting.put(tp, new OffsetAndMetadata(c.position(tp, Duration.ofSeconds(5))));
                }
            }
            if (!starting.isEmpty()) {
                c.commitSync(starting, Duration.ofSeconds(5));
                LOG.debugf("%s: committed starting offsets %s", subscriber.consumerGroup(), starting);
            }
        } catch (WakeupException e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.infof("%s: could not commit starting offsets (they are committed with the first batch): %s",
                    subscriber.consumerGroup(), e.getMessage());
        }
    }

    /** A static member that stops gracefully leaves the group so its partitions move at once (scale-down). */
    private void close(KafkaConsumer<String, byte[]> c) {
        try {
            CloseOptions options = CloseOptions.timeout(Duration.ofSeconds(5));
            if (!running && groupInstanceId.isPresent()) {
                options = options.withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP);
            }
            c.close(options);
        } catch (RuntimeException e) {
            LOG.debugf("%s: consumer close: %s", subscriber.consumerGroup(), e.getMessage());
        }
    }

    private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(ConsumerRecords<String, byte[]> polled) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : polled.partitions()) {
            List<ConsumerRecord<String, byte[]>> records = polled.records(tp);
            offsets.put(tp, new OffsetAndMetadata(records.get(records.size() - 1).offset() + 1));
        }
        return offsets;
    }

    private static void seekBack(KafkaConsumer<String, byte[]> c, ConsumerRecords<String, byte[]> polled) {
        Set<TopicPartition> assigned = c.assignment();
        for (TopicPartition tp : polled.partitions()) {
            if (assigned.contains(tp)) {
                c.seek(tp, polled.records(tp).get(0).offset());
            }
        }
    }

    /** At most once a second: lag per topic for the metrics, and whether partitions are assigned. */
    private void measureLag(KafkaConsumer<String, byte[]> c) {
        long now = System.nanoTime();
        if (now - nextLagNanos < 0) {
            return;
        }
        nextLagNanos = now + 1_000_000_000L;
        assignedPartitions = c.assignment().size();
        Map<String, Long> lagByTopic = new HashMap<>();
        for (TopicPartition tp : c.assignment()) {
            c.currentLag(tp).ifPresent(lag -> lagByTopic.merge(tp.topic(), lag, Long::sum));
        }
        lagByTopic.forEach((topic, lag) -> metrics.gauge("exflow.kafka.consumer.lag", "worker", subscriber.consumerGroup(),
                "topic", topic).set(lag));
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

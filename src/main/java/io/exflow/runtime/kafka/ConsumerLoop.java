package io.exflow.runtime.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

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
 */
public final class ConsumerLoop implements io.exflow.runtime.WorkerLoop {
    private static final Logger LOG = Logger.getLogger(ConsumerLoop.class);

    private final Subscriber subscriber;
    private final Collection<String> topics;
    private final KafkaClients clients;
    private final DeliveryEngine engine;
    private final ExflowMetrics metrics;
    private final Duration pollTimeout;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile long lastPollOkNanos = System.nanoTime();
    private volatile boolean stalled;
    private volatile int assignedPartitions;
    private long nextLagNanos = System.nanoTime();
    /** Next offsets of what was processed, per partition (only touched on the consumer thread). */
    private final Map<TopicPartition, OffsetAndMetadata> processed = new HashMap<>();

    public ConsumerLoop(Subscriber subscriber, Collection<String> topics, KafkaClients clients, DeliveryEngine engine,
            ExflowMetrics metrics, Duration pollTimeout) {
        this.subscriber = subscriber;
        this.topics = topics;
        this.clients = clients;
        this.engine = engine;
        this.metrics = metrics;
        this.pollTimeout = pollTimeout;
    }

    @Override
    public void run() {
        String clientId = subscriber.consumer() + "-" + ProcessHandle.current().pid() + "-" + Thread.currentThread().getId();
        try (KafkaConsumer<String, byte[]> c = clients.consumer(subscriber.consumer(), clientId)) {
            consumer = c;
            c.subscribe(topics, new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
                    // hand over exactly where we are, so the next owner does not redo committed work
                    commitProcessed(c, revoked);
                    assignedPartitions = Math.max(0, c.assignment().size() - revoked.size());
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
                    assignedPartitions = c.assignment().size();
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
                    LOG.warnf("%s: poll failed, retrying in %d ms: %s", subscriber.consumer(), wait.toMillis(), e.getMessage());
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
                    metrics.hop(ExflowMetrics.HopStage.DELIVERY_WAIT, subscriber.consumer(),
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
                                    subscriber.consumer(), e.getMessage());
                        }
                    });
                    stalled = false;
                    pause.reset();
                } catch (RuntimeException e) {
                    // Stalled engine or a failure after commit: the batch will come again;
                    // what did commit is recognised then as duplicates.
                    stalled = true;
                    Duration wait = pause.take();
                    LOG.warnf("%s: batch of %d not committed, redelivering after %d ms: %s", subscriber.consumer(),
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
                LOG.errorf(e, "%s: consumer loop failed", subscriber.consumer());
            }
        } finally {
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
                    subscriber.consumer(), e.getMessage());
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
        lagByTopic.forEach((topic, lag) -> metrics.gauge("exflow.kafka.consumer.lag", "worker", subscriber.consumer(),
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

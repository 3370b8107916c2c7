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

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

import io.exflow.runtime.delivery.DeliveryEngine;
import io.exflow.runtime.delivery.FailureClassifier;
import io.exflow.runtime.delivery.FaultInjector;
import io.exflow.runtime.delivery.InboundRecord;
import io.exflow.runtime.delivery.Subscriber;
import io.exflow.runtime.metrics.ExflowMetrics;

/**
 * One Kafka consumer for one subscriber, on its own thread: poll, hand the batch to the
 * delivery engine, and commit the batch's offsets only after the engine returns (every
 * outcome durable). If the engine stalls (database unreachable) or the process "crashes"
 * (injected fault), the consumer seeks back to the uncommitted offsets and tries again after
 * a growing pause — nothing is skipped and the partition is not committed past it.
 */
public final class ConsumerLoop implements io.exflow.runtime.WorkerLoop {
    private static final Logger LOG = Logger.getLogger(ConsumerLoop.class);
    private static final Duration MAX_PAUSE = Duration.ofSeconds(15);

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
            c.subscribe(topics);
            Duration pause = Duration.ofMillis(200);
            while (running) {
                ConsumerRecords<String, byte[]> polled;
                try {
                    polled = c.poll(pollTimeout);
                    lastPollOkNanos = System.nanoTime();
                } catch (WakeupException e) {
                    break;
                } catch (RuntimeException e) {
                    LOG.warnf("%s: poll failed, retrying in %d ms: %s", subscriber.consumer(), pause.toMillis(), e.getMessage());
                    sleep(pause);
                    pause = longer(pause);
                    continue;
                }
                if (polled.isEmpty()) {
                    measureLag(c);
                    continue;
                }
                List<InboundRecord> batch = new ArrayList<>(polled.count());
                for (ConsumerRecord<String, byte[]> r : polled) {
                    batch.add(InboundRecord.of(r));
                }
                try {
                    engine.processBatch(subscriber, batch);
                    commit(c, nextOffsets(polled));
                    stalled = false;
                    pause = Duration.ofMillis(200);
                } catch (RuntimeException e) {
                    // Stalled engine, injected crash, or a failed commit: the batch will come again;
                    // what did commit is recognised then as duplicates.
                    stalled = !(e instanceof FaultInjector.Crash);
                    LOG.warnf("%s: batch of %d not committed, redelivering after %d ms: %s", subscriber.consumer(),
                            batch.size(), pause.toMillis(), FailureClassifier.describe(e));
                    seekBack(c, polled);
                    sleep(pause);
                    pause = longer(pause);
                }
                measureLag(c);
            }
            // Graceful stop: the last batch was processed and committed above; leave the group cleanly.
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

    /** A stop() wakes the consumer; the processed batch is still committed before leaving. */
    private static void commit(KafkaConsumer<String, byte[]> c, Map<TopicPartition, OffsetAndMetadata> offsets) {
        try {
            c.commitSync(offsets);
        } catch (WakeupException e) {
            c.commitSync(offsets);
        }
    }

    private static Duration longer(Duration pause) {
        Duration doubled = pause.multipliedBy(2);
        return doubled.compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : doubled;
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

    private void measureLag(KafkaConsumer<String, byte[]> c) {
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

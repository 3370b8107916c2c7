package io.exflow.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.jboss.logging.Logger;

import io.exflow.runtime.config.ExflowSettings;
import io.exflow.runtime.config.WorkerRole;
import io.exflow.runtime.delivery.DeliveryEngine;
import io.exflow.runtime.delivery.FailureClassifier;
import io.exflow.runtime.delivery.OutboxRelay;
import io.exflow.runtime.delivery.Subscriber;
import io.exflow.runtime.kafka.ConsumerLoop;
import io.exflow.runtime.redis.ReliableQueueLoop;
import io.exflow.runtime.redis.RedisKeys;
import io.quarkus.redis.datasource.RedisDataSource;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.exflow.runtime.kafka.KafkaClients;
import io.exflow.runtime.startup.DependenciesReady;
import io.exflow.runtime.startup.DependencyWait;
import io.exflow.runtime.metrics.ExflowMetrics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;

/**
 * Starts what this process's roles consume — a Kafka consumer loop and a retry poller per
 * role — and stops them gracefully on SIGTERM: stop polling, finish and commit the batch in
 * hand, publish what was committed, close.
 */
@ApplicationScoped
public class WorkerRuntime {
    private static final Logger LOG = Logger.getLogger(WorkerRuntime.class);

    private final ExflowSettings settings;
    private final Instance<EventHandler> handlers;
    private final KafkaClients kafka;
    private final DependencyWait dependencies;
    private final jakarta.enterprise.event.Event<DependenciesReady> ready;
    private final DeliveryEngine engine;
    private final OutboxRelay relay;
    private final ExflowMetrics metrics;
    private final List<WorkerLoop> loops = new ArrayList<>();
    private final List<RetryPoller> pollers = new ArrayList<>();
    private final List<ExecutorService> executors = new ArrayList<>();
    private volatile boolean started;

    private final Instance<RedisDataSource> redis;
    private final RedisKeys redisKeys;
    private final ObjectMapper mapper;

    public WorkerRuntime(ExflowSettings settings, @Any Instance<EventHandler> handlers, KafkaClients kafka,
            DependencyWait dependencies, jakarta.enterprise.event.Event<DependenciesReady> ready, DeliveryEngine engine, OutboxRelay relay, ExflowMetrics metrics,
            Instance<RedisDataSource> redis, RedisKeys redisKeys, ObjectMapper mapper) {
        this.redis = redis;
        this.redisKeys = redisKeys;
        this.mapper = mapper;
        this.settings = settings;
        this.handlers = handlers;
        this.kafka = kafka;
        this.dependencies = dependencies;
        this.ready = ready;
        this.engine = engine;
        this.relay = relay;
        this.metrics = metrics;
    }

    void onStart(@Observes @jakarta.annotation.Priority(100) StartupEvent event) {
        LOG.infof("exflow starting roles %s (concurrency %d)", settings.roles(), settings.concurrency());
        // Schema, packs, topics, Redis: done now if everything answers, else waited for (see DependencyWait).
        dependencies.runThen(() -> {
            ready.fire(new DependenciesReady());
            start();
        });
    }

    /** What start-up still waits for (a dependency that did not answer yet), or null. */
    public String waitingFor() {
        return dependencies.waitingFor();
    }

    /** SIGTERM: four fifths of SHUTDOWN_TIMEOUT to finish and commit the batches in hand, the rest to publish them. */
    void onStop(@Observes ShutdownEvent event) {
        dependencies.cancel();
        long started = System.nanoTime();
        stop(settings.shutdownTimeout().multipliedBy(4).dividedBy(5));
        relay.drain(settings.shutdownTimeout().minusNanos(System.nanoTime() - started));
    }

    /** Starts a consumer loop and retry poller for every role with handlers. */
    public synchronized void start() {
        if (started) {
            return;
        }
        for (Subscriber subscriber : subscribers()) {
            String source;
            if (consumesQueues(subscriber.handlers())) {
                // A list has no partitions to spread: CONCURRENCY independent queue consumers, each
                // with its own processing lists and heartbeat.
                List<String> queues = settings.toolQueues().inPriorityOrder();
                for (int i = 0; i < settings.concurrency(); i++) {
                    WorkerLoop loop = new ReliableQueueLoop(subscriber, queues, redis.get(), redisKeys, engine, metrics, mapper,
                            settings.toolVisibilityTimeout());
                    loops.add(loop);
                    thread(subscriber.consumerGroup() + "-queue-" + i, loop).start();
                }
                source = queues.toString();
            } else {
                Set<String> topicNames = new LinkedHashSet<>();
                subscriber.handlers().values().forEach(h -> topicNames.add(h.consumes().topic().name(settings.topics())));
                WorkerLoop loop = new ConsumerLoop(subscriber, topicNames, kafka, engine, metrics, settings.pollTimeout(),
                        settings.groupInstanceId(subscriber.role()));
                loops.add(loop);
                thread(subscriber.consumerGroup() + "-consumer", loop).start();
                source = topicNames.toString();
            }
            RetryPoller poller = new RetryPoller(subscriber, engine, settings.retry().pollInterval());
            pollers.add(poller);
            thread(subscriber.consumerGroup() + "-retries", poller).start();
            LOG.infof("%s consuming %s", subscriber.consumerGroup(), source);
        }
        started = true;
    }

    /** Stops polling and waits for in-flight work to be committed. */
    public synchronized void stop(Duration timeout) {
        if (!started) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        pollers.forEach(RetryPoller::stop);
        for (WorkerLoop loop : loops) {
            if (!loop.stop(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
                LOG.warnf("%s did not stop in time; its uncommitted records will be redelivered", loop.subscriber().consumerGroup());
            }
        }
        pollers.forEach(p -> p.await(Duration.ofNanos(Math.max(0, deadline - System.nanoTime()))));
        executors.forEach(ExecutorService::shutdown);
        loops.clear();
        pollers.clear();
        executors.clear();
        started = false;
        LOG.info("exflow workers stopped");
    }

    public synchronized List<WorkerLoop> loops() {
        return List.copyOf(loops);
    }

    public boolean started() {
        return started;
    }

    private List<Subscriber> subscribers() {
        Map<WorkerRole, Map<String, EventHandler>> byRole = new EnumMap<>(WorkerRole.class);
        for (EventHandler handler : handlers) {
            if (settings.runs(handler.role())) {
                EventHandler previous = byRole.computeIfAbsent(handler.role(), r -> new LinkedHashMap<>())
                        .put(handler.consumes().type(), handler);
                if (previous != null) {
                    throw new IllegalStateException("two handlers for " + handler.consumes().type() + " in role " + handler.role());
                }
            }
        }
        List<Subscriber> subscribers = new ArrayList<>();
        byRole.forEach((role, roleHandlers) -> {
            String consumer = settings.consumerGroup(role);
            AtomicInteger n = new AtomicInteger();
            // Enough for every loop of the role to run its lanes at once: a Kafka role has one loop, a
            // queue role CONCURRENCY of them (a lane of tool calls holds its thread for the calls).
            int loops = consumesQueues(roleHandlers) ? settings.concurrency() : 1;
            ExecutorService lanes = Executors.newFixedThreadPool(loops * settings.concurrency(),
                    r -> thread(consumer + "-lane-" + n.incrementAndGet(), r));
            executors.add(lanes);
            subscribers.add(new Subscriber(role, consumer, Map.copyOf(roleHandlers), lanes));
        });
        return subscribers;
    }

    /** A role whose events come from Redis lists (the tool role), not from Kafka topics. */
    private static boolean consumesQueues(Map<String, EventHandler> handlers) {
        return handlers.values().stream().allMatch(h -> h.consumes().topic().isRedisQueue());
    }

    private static Thread thread(String name, Runnable work) {
        Thread t = new Thread(work, name);
        t.setDaemon(true);
        return t;
    }

    /** Runs a subscriber's due retries and replays; any replica of the consumer may run any row. */
    static final class RetryPoller implements Runnable {
        private final Subscriber subscriber;
        private final DeliveryEngine engine;
        private final Duration interval;
        private final java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        private volatile boolean running = true;

        RetryPoller(Subscriber subscriber, DeliveryEngine engine, Duration interval) {
            this.subscriber = subscriber;
            this.engine = engine;
            this.interval = interval;
        }

        @Override
        public void run() {
            try {
                while (running) {
                    boolean ranOne;
                    try {
                        ranOne = engine.runNextRetry(subscriber);
                    } catch (RuntimeException e) {
                        LOG.debugf("%s retry poll failed: %s", subscriber.consumerGroup(), FailureClassifier.describe(e));
                        ranOne = false;
                    }
                    if (!ranOne) {
                        Thread.sleep(interval.toMillis());
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                done.countDown();
            }
        }

        void stop() {
            running = false;
        }

        void await(Duration timeout) {
            try {
                done.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

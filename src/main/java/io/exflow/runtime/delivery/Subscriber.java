package io.exflow.runtime.delivery;

import java.util.Map;
import java.util.concurrent.ExecutorService;

import io.exflow.runtime.EventHandler;
import io.exflow.runtime.config.WorkerRole;

/**
 * One consumer group of the runtime: a role's handlers by event type, its consumer group
 * ({@code consumerGroup}: the Kafka consumer group, also the name its idempotency records, retries and
 * dead letters are kept under), and its lane threads.
 */
public record Subscriber(WorkerRole role, String consumerGroup, Map<String, EventHandler> handlers, ExecutorService lanes) {
}

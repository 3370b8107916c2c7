package io.exflow.runtime.delivery;

import java.util.Map;
import java.util.concurrent.ExecutorService;

import io.exflow.runtime.EventHandler;
import io.exflow.runtime.config.WorkerRole;

/**
 * One consumer of the runtime: a role's handlers by event type, its consumer name (the
 * Kafka group id, also the idempotency and dead-letter consumer), and its lane threads.
 */
public record Subscriber(WorkerRole role, String consumer, Map<String, EventHandler> handlers, ExecutorService lanes) {
}

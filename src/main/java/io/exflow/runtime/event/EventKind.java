package io.exflow.runtime.event;

import java.util.Arrays;
import java.util.Optional;

import io.exflow.runtime.config.ExflowSettings;

/**
 * The event contract in one place: each CloudEvents {@code type}, the logical topic it is
 * published to, and the newest schema version this build understands. docs/events.md
 * documents the data of each; EventContractTest checks the two agree.
 */
public enum EventKind {
    EXCEPTION_INGESTED("exflow.exception.ingested", LogicalTopic.INGESTED, 1),
    EXCEPTION_NORMALIZED("exflow.exception.normalized", LogicalTopic.NORMALIZED, 1),
    EXCEPTION_TRIAGED("exflow.exception.triaged", LogicalTopic.TRIAGED, 1),
    EXCEPTION_DECIDED("exflow.exception.decided", LogicalTopic.DECIDED, 1),
    EXCEPTION_CLOSED("exflow.exception.closed", LogicalTopic.CLOSED, 1),
    TOOL_RESULT("exflow.tool.result", LogicalTopic.TOOL_RESULTS, 1),
    SLA_ALERT("exflow.sla.alert", LogicalTopic.SLA_ALERTS, 1),
    /** A tool job: travels on a Redis list (by priority), not on a topic. */
    TOOL_JOB("exflow.tool.job", LogicalTopic.TOOL_QUEUES, 1),
    DEAD_LETTER("exflow.deadletter", LogicalTopic.DEADLETTER, 1);

    private final String type;
    private final LogicalTopic topic;
    private final int schemaVersion;

    EventKind(String type, LogicalTopic topic, int schemaVersion) {
        this.type = type;
        this.topic = topic;
        this.schemaVersion = schemaVersion;
    }

    /** The CloudEvents {@code type} attribute. */
    public String type() {
        return type;
    }

    public LogicalTopic topic() {
        return topic;
    }

    /** Version written on emit and the newest accepted on consume. */
    public int schemaVersion() {
        return schemaVersion;
    }

    public static Optional<EventKind> ofType(String type) {
        return Arrays.stream(values()).filter(k -> k.type.equals(type)).findFirst();
    }

    /** Topics are named by configuration; handlers and the catalog only know the logical name. */
    public enum LogicalTopic {
        INGESTED, NORMALIZED, TRIAGED, DECIDED, CLOSED, TOOL_RESULTS, SLA_ALERTS, DEADLETTER,
        /** The Redis tool queues (TOOL_QUEUES), consumed by the reliable queue loop instead of Kafka. */
        TOOL_QUEUES;

        public boolean isRedisQueue() {
            return this == TOOL_QUEUES;
        }

        public String name(ExflowSettings.Topics topics) {
            return switch (this) {
                case TOOL_QUEUES -> throw new IllegalArgumentException("tool jobs go to a Redis list, not a topic");
                case INGESTED -> topics.ingested();
                case NORMALIZED -> topics.normalized();
                case TRIAGED -> topics.triaged();
                case DECIDED -> topics.decided();
                case CLOSED -> topics.closed();
                case TOOL_RESULTS -> topics.toolResults();
                case SLA_ALERTS -> topics.slaAlerts();
                case DEADLETTER -> topics.deadletter();
            };
        }
    }
}

package io.exflow.domain.events;

import java.time.Instant;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Data of {@code exflow.sla.alert}, emitted once per exception and kind.
 *
 * @param kind IMMINENT (past the tenant's threshold of the SLA window) or BREACHED (past the deadline)
 */
@RegisterForReflection
public record SlaAlert(Kind kind, String severity, Instant slaDeadline, Instant detectedAt, boolean escalated) {
    public enum Kind {
        IMMINENT, BREACHED
    }
}

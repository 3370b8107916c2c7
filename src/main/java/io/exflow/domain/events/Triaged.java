package io.exflow.domain.events;

import java.time.Instant;

/** Data of {@code exflow.exception.triaged}. */
public record Triaged(String exceptionType, String severity, String severitySource, String severityRule,
            Instant slaDeadline, Instant slaImminentAt) {
}

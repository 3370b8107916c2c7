package io.exflow.domain.events;

import java.time.Instant;
import java.util.List;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Data of {@code exflow.exception.closed}: the final outcome, with what feedback needs to
 * record it without reading other tables.
 *
 * @param outcome      RESOLVED, ESCALATED or BLOCKED
 * @param autoResolved resolved without a person (AUTO_APPROVED and every step succeeded)
 * @param toolsUsed    tools called, in order
 */
@RegisterForReflection
public record Closed(String outcome, String reason, String exceptionType, String severity, String playbookId,
        boolean autoResolved, List<String> toolsUsed, Instant ingestedAt, Instant closedAt, Instant slaDeadline) {
}

package io.exflow.domain;

import java.time.Instant;
import java.util.List;

import io.exflow.domain.events.Closed;

/** Closes an exception record and says what the {@code exflow.exception.closed} event carries. */
public final class Closing {
    private Closing() {
    }

    /**
     * @param outcome RESOLVED, ESCALATED or BLOCKED
     * @return the data of the closed event to emit in the same transaction
     */
    public static Closed close(ExceptionRecord record, ExceptionState outcome, String reason, boolean autoResolved,
            List<String> toolsUsed) {
        if (!outcome.closed()) {
            throw new IllegalArgumentException(outcome + " is not a final state");
        }
        record.state = outcome;
        record.closeOutcome = outcome.name();
        record.closeReason = reason;
        record.closedAt = Instant.now();
        return new Closed(outcome.name(), reason, record.exceptionType, record.severity, record.playbookId, autoResolved,
                List.copyOf(toolsUsed), record.ingestedAt, record.closedAt, record.slaDeadline);
    }
}

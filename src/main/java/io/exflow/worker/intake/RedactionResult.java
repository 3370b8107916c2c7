package io.exflow.worker.intake;

import io.exflow.domain.events.Redaction;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;

/**
 * @param redacted   a new tree; the input is never modified
 * @param redactions where and why values were replaced, in document order, one per path and kind
 */
@RegisterForReflection
public record RedactionResult(JsonNode redacted, List<Redaction> redactions) {

    public RedactionResult {
        redactions = List.copyOf(redactions);
    }

    public boolean anyRedacted() {
        return !redactions.isEmpty();
    }
}

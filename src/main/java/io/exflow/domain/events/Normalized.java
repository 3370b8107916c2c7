package io.exflow.domain.events;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;


/** Data of {@code exflow.exception.normalized}: the redacted, normalized exception. */
public record Normalized(String exceptionType, String sourceSystem, String entityId, BigDecimal amount,
            String currency, Instant occurredAt, String summary, JsonNode attributes, List<Redaction> redactions) {
}

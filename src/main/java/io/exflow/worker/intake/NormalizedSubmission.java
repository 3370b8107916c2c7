package io.exflow.worker.intake;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.math.BigDecimal;
import java.time.Instant;

/**
 * A raw exception payload in canonical form.
 *
 * @param exceptionType UPPER_SNAKE_CASE code defined in the tenant's domain pack
 * @param sourceSystem  system that reported it
 * @param entityId      business entity it concerns (payment, claim, ...)
 * @param amount        amount at stake, never negative; {@code null} if none
 * @param currency      ISO 4217 code, upper case; present whenever {@code amount} is
 * @param occurredAt    when it happened
 * @param summary       trimmed, at most {@value PayloadNormalizer#MAX_SUMMARY_LENGTH} characters;
 *                      the exception type's description if the payload has none
 * @param attributes    every other payload field, unchanged (not yet redacted)
 */
@RegisterForReflection
public record NormalizedSubmission(
        String exceptionType,
        String sourceSystem,
        String entityId,
        BigDecimal amount,
        String currency,
        Instant occurredAt,
        String summary,
        ObjectNode attributes) {
}

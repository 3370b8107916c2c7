package io.exflow.packs;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;

/**
 * One exception type a domain understands.
 *
 * @param code           UPPER_SNAKE_CASE code, e.g. {@code SETTLEMENT_FAILED}
 * @param description    human description; also the default summary of a normalized exception
 * @param requiredFields payload fields that must be present for this type: either a core field
 *                       ({@code amount}, {@code currency}, {@code occurredAt}, ...) or an
 *                       attribute name / dotted attribute path
 */
@RegisterForReflection
public record ExceptionTypeDef(String code, String description, List<String> requiredFields) {

    public ExceptionTypeDef {
        requiredFields = PackCollections.list(requiredFields);
    }
}

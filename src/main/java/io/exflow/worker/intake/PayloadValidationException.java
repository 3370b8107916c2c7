package io.exflow.worker.intake;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A raw payload cannot be normalized. Not retryable: the same payload will always fail.
 * Messages never repeat the offending values, which may contain personal data.
 */
public class PayloadValidationException extends RuntimeException {

    /**
     * @param field   canonical field name, e.g. {@code amount}, {@code occurredAt}, or an attribute name
     * @param message short human explanation
     */
    public record Violation(String field, String message) {
        @Override
        public String toString() {
            return field + ": " + message;
        }
    }

    private final List<Violation> violations;

    public PayloadValidationException(List<Violation> violations) {
        super("invalid exception payload: "
                + violations.stream().map(Violation::toString).collect(Collectors.joining("; ")));
        this.violations = List.copyOf(violations);
    }

    public List<Violation> violations() {
        return violations;
    }
}

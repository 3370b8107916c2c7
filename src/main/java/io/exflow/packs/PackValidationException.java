package io.exflow.packs;

import java.util.List;
import java.util.stream.Collectors;

/** One or more pack files are malformed or inconsistent; start-up must stop. */
public class PackValidationException extends RuntimeException {

    /**
     * @param file    where the pack came from, e.g. {@code classpath:packs/tenants/acme-bank.json}
     * @param field   path of the offending field inside the file, e.g. {@code playbooks[0].steps[1].tool}
     * @param message what is wrong with it
     */
    public record Violation(String file, String field, String message) {
        @Override
        public String toString() {
            return file + ": " + field + ": " + message;
        }
    }

    private final List<Violation> violations;

    public PackValidationException(List<Violation> violations) {
        super(describe(violations));
        this.violations = List.copyOf(violations);
    }

    public List<Violation> violations() {
        return violations;
    }

    private static String describe(List<Violation> violations) {
        return "invalid pack" + (violations.size() == 1 ? "" : "s") + " (" + violations.size() + " problem"
                + (violations.size() == 1 ? "" : "s") + "):\n  "
                + violations.stream().map(Violation::toString).collect(Collectors.joining("\n  "));
    }
}

package io.exflow.packs;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;

/**
 * An ordered remediation procedure.
 *
 * @param id             unique within the domain
 * @param exceptionTypes the exception types it applies to
 * @param maxSeverity    the most severe severity at which it may run automatically
 * @param steps          executed in order
 */
@RegisterForReflection
public record Playbook(String id, List<String> exceptionTypes, Severity maxSeverity, List<PlaybookStep> steps) {

    public Playbook {
        exceptionTypes = PackCollections.list(exceptionTypes);
        steps = PackCollections.list(steps);
    }

    public boolean appliesTo(String exceptionType) {
        return exceptionTypes.contains(exceptionType);
    }

    /** True when {@code severity} is no more severe than {@link #maxSeverity()}. */
    public boolean allowsAutoRunAt(Severity severity) {
        return maxSeverity != null && severity != null && severity.isAtMost(maxSeverity);
    }
}

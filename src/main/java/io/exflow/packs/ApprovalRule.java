package io.exflow.packs;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.math.BigDecimal;

/**
 * A tenant rule that requires a human approval before a playbook runs. All conditions that
 * are set must hold; a rule with no condition matches everything.
 *
 * @param exceptionType the type it applies to, or {@code null} for any
 * @param minAmount     the amount must be present and {@code >=} this, if set
 * @param minSeverity   the severity must be at least this severe, if set
 */
@RegisterForReflection
public record ApprovalRule(String id, String exceptionType, BigDecimal minAmount, Severity minSeverity) {

    public boolean matches(String type, BigDecimal amount, Severity severity) {
        if (exceptionType != null && !exceptionType.equals(type)) {
            return false;
        }
        if (minAmount != null && (amount == null || amount.compareTo(minAmount) < 0)) {
            return false;
        }
        return minSeverity == null || (severity != null && severity.isAtLeast(minSeverity));
    }
}

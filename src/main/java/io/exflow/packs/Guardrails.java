package io.exflow.packs;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.math.BigDecimal;
import java.util.Set;

/**
 * Limits on automatic remediation in a domain. Amounts are compared in the exception's own
 * currency (no FX conversion).
 *
 * @param maxAutoAmount         above this amount nothing runs automatically; {@code null} = no limit
 * @param autoApproveSeverities severities at which a matching playbook may run without a human
 * @param blockedExceptionTypes types that automation must never act on (decision BLOCKED)
 * @param escalateSeverities    severities that always go to humans (decision ESCALATE)
 */
@RegisterForReflection
public record Guardrails(
        BigDecimal maxAutoAmount,
        Set<Severity> autoApproveSeverities,
        Set<String> blockedExceptionTypes,
        Set<Severity> escalateSeverities) {

    public Guardrails {
        autoApproveSeverities = PackCollections.severities(autoApproveSeverities);
        blockedExceptionTypes = PackCollections.set(blockedExceptionTypes);
        escalateSeverities = PackCollections.severities(escalateSeverities);
    }
}

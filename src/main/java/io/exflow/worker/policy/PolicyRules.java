package io.exflow.worker.policy;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.exflow.packs.ApprovalRule;
import io.exflow.packs.DomainPack;
import io.exflow.packs.Guardrails;
import io.exflow.packs.Playbook;
import io.exflow.packs.PlaybookStep;
import io.exflow.packs.Severity;
import io.exflow.packs.StepAction;
import io.exflow.packs.TenantPack;

/**
 * The policy decision, in order: a type the domain blocks → BLOCKED; a severity the domain
 * always escalates, or no playbook that may run at this severity with tools the tenant
 * approved → ESCALATE; a tenant approval rule, an amount above the guardrail, or a severity
 * outside auto-approval → NEEDS_APPROVAL; otherwise AUTO_APPROVED.
 */
public final class PolicyRules {
    private PolicyRules() {
    }

    public enum Outcome {
        AUTO_APPROVED, NEEDS_APPROVAL, BLOCKED, ESCALATE
    }

    /** The decision, the playbook it would run (if any) and why, in words an operator reads. */
    public record Decision(Outcome outcome, String playbookId, List<String> reasons) {
    }

    public static Decision decide(String type, BigDecimal amount, Severity severity, DomainPack domain, TenantPack tenant) {
        Guardrails guardrails = domain.guardrails();
        List<String> reasons = new ArrayList<>();
        if (guardrails.blockedExceptionTypes().contains(type)) {
            return new Decision(Outcome.BLOCKED, null, List.of("exception type " + type + " is blocked from automation"));
        }
        if (guardrails.escalateSeverities().contains(severity)) {
            return new Decision(Outcome.ESCALATE, null, List.of("severity " + severity + " always goes to a person"));
        }
        Optional<Playbook> playbook = domain.playbooksFor(type).stream()
                .filter(p -> p.allowsAutoRunAt(severity))
                .filter(p -> toolsApproved(p, tenant))
                .findFirst();
        if (playbook.isEmpty()) {
            return new Decision(Outcome.ESCALATE, null,
                    List.of("no playbook for " + type + " may run at " + severity + " with the tenant's approved tools"));
        }
        String playbookId = playbook.get().id();
        reasons.add("playbook " + playbookId + " matches " + type);
        for (ApprovalRule rule : tenant.approvalRules()) {
            if (rule.matches(type, amount, severity)) {
                reasons.add("approval rule " + rule.id() + " applies");
            }
        }
        if (amount != null && guardrails.maxAutoAmount() != null && amount.compareTo(guardrails.maxAutoAmount()) > 0) {
            reasons.add("amount is above the automatic limit " + guardrails.maxAutoAmount().toPlainString());
        }
        if (!guardrails.autoApproveSeverities().contains(severity)) {
            reasons.add("severity " + severity + " is not auto-approved");
        }
        return new Decision(reasons.size() > 1 ? Outcome.NEEDS_APPROVAL : Outcome.AUTO_APPROVED, playbookId, reasons);
    }

    private static boolean toolsApproved(Playbook playbook, TenantPack tenant) {
        return playbook.steps().stream().filter(s -> s.action() == StepAction.TOOL).map(PlaybookStep::tool)
                .allMatch(tenant.approvedTools()::contains);
    }
}

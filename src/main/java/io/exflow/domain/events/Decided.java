package io.exflow.domain.events;

import java.util.List;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Data of {@code exflow.exception.decided}. Policy emits AUTO_APPROVED or NEEDS_APPROVAL; the
 * api emits APPROVED or REJECTED when a person answers a NEEDS_APPROVAL exception.
 *
 * @param playbookId the playbook to run (null when REJECTED)
 * @param reasons    why, in words an operator can read
 * @param actor      who decided: {@code policy} or the approving user
 */
@RegisterForReflection
public record Decided(Decision decision, String playbookId, List<String> reasons, String actor) {
    public enum Decision {
        AUTO_APPROVED, NEEDS_APPROVAL, APPROVED, REJECTED;

        /** The playbook may run. */
        public boolean runs() {
            return this == AUTO_APPROVED || this == APPROVED;
        }
    }
}

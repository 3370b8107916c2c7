package io.exflow.packs;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** What a playbook step does. */
@RegisterForReflection
public enum StepAction {
    /** Sends a notification (params say to whom); never fails the playbook. */
    NOTIFY,
    /** Waits for a human approval before the next step. */
    APPROVAL,
    /** Calls the step's tool through the tool queue. */
    TOOL,
    /** Hands the exception to a human team and ends the playbook. */
    ESCALATE
}

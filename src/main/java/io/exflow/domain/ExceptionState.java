package io.exflow.domain;

/** Where an exception is in the pipeline; RESOLVED, ESCALATED and BLOCKED are final. */
public enum ExceptionState {
    NORMALIZED, TRIAGED, AWAITING_APPROVAL, RUNNING_PLAYBOOK, RESOLVED, ESCALATED, BLOCKED;

    public boolean closed() {
        return this == RESOLVED || this == ESCALATED || this == BLOCKED;
    }
}

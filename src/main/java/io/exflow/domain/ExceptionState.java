package io.exflow.domain;

/**
 * Where an exception is in the pipeline; RESOLVED, ESCALATED and BLOCKED are final.
 * APPROVAL_ANSWERED: a person answered (the api), the playbook worker has not applied it yet.
 */
public enum ExceptionState {
    NORMALIZED, TRIAGED, AWAITING_APPROVAL, APPROVAL_ANSWERED, RUNNING_PLAYBOOK, RESOLVED, ESCALATED, BLOCKED;

    public boolean closed() {
        return this == RESOLVED || this == ESCALATED || this == BLOCKED;
    }
}

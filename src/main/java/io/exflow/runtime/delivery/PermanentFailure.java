package io.exflow.runtime.delivery;

/**
 * A failure retrying cannot fix (bad payload, schema, tenant): the record goes straight to the
 * dead-letter store. Handlers throw it for business validation errors.
 */
public class PermanentFailure extends RuntimeException {
    private final ReasonCode reason;

    public PermanentFailure(ReasonCode reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public ReasonCode reason() {
        return reason;
    }
}

package io.exflow.runtime.delivery;

/** A failure that may pass (a dependency timed out or was down): retried durably with backoff. */
public class TransientFailure extends RuntimeException {
    public TransientFailure(String message, Throwable cause) {
        super(message, cause);
    }

    public TransientFailure(String message) {
        super(message);
    }
}

package io.exflow.runtime.delivery;

import java.sql.SQLException;

/**
 * Decides whether a failure is permanent (dead-letter now) or worth retrying. Only
 * {@link PermanentFailure} is permanent: everything else — dependency outages, timeouts,
 * lock or serialization conflicts, and unexpected errors — is retried up to the event
 * type's limit and then dead-lettered as RETRIES_EXHAUSTED, so nothing is lost to a blip
 * and a genuine bug still ends in the dead-letter store instead of looping.
 */
public final class FailureClassifier {
    private FailureClassifier() {
    }

    public static PermanentFailure permanentCause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof PermanentFailure p) {
                return p;
            }
            if (c instanceof io.exflow.runtime.event.InvalidEventData invalid) {
                return new PermanentFailure(ReasonCode.VALIDATION_FAILED, invalid.getMessage());
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return null;
    }

    /** True when the database itself looks unreachable: then not even a retry row can be written. */
    public static boolean isConnectivity(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("08")) {
                return true;
            }
            if (c instanceof java.net.ConnectException || c instanceof java.sql.SQLTransientConnectionException) {
                return true;
            }
            String m = c.getMessage();
            if (m != null && (m.contains("Acquisition timeout") || m.contains("Connection refused"))) {
                return true;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return false;
    }

    /** One line for the dead-letter and retry rows: class and message of the root cause. */
    public static String describe(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String top = t.getClass().getSimpleName() + ": " + t.getMessage();
        return root == t ? top : top + " <- " + root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}

package io.exflow.api;

/** The free-text reason an operator gives for an action (discard, replay, suspend): checked the same everywhere. */
final class OperatorReason {
    static final int MAX_CHARS = 500;

    private OperatorReason() {
    }

    /**
     * @return the reason, or null when none was given and none is required
     * @throws ProblemException 400 when a required reason is missing or any reason is too long
     */
    static String check(String reason, boolean required) {
        if (reason == null || reason.isBlank()) {
            if (required) {
                throw ProblemException.badRequest("'reason' is required");
            }
            return null;
        }
        if (reason.length() > MAX_CHARS) {
            throw ProblemException.badRequest("'reason' is longer than " + MAX_CHARS + " characters");
        }
        return reason;
    }
}

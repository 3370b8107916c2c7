package io.exflow.runtime.delivery;

/** Why a record was dead-lettered; stable strings operators filter on. */
public enum ReasonCode {
    /**
     * Value or data is not JSON, the structured envelope is not a JSON object, or its
     * {@code data_base64} is not base64 (or is given together with {@code data}).
     */
    MALFORMED_EVENT,
    /** A required CloudEvents attribute or exflow extension is missing (absent or empty). */
    MISSING_ATTRIBUTE,
    /**
     * An attribute or extension is present but malformed: a {@code time} that is not RFC 3339,
     * an {@code id}/{@code exceptionid} that is not a UUID, a {@code specversion} other than 1.0,
     * a {@code source} that is not a URI reference, a non-integer {@code schemaversion}.
     */
    INVALID_ATTRIBUTE,
    /** The event type is unknown, or not one this consumer handles. */
    UNSUPPORTED_EVENT_TYPE,
    /** The event's schema version is newer than this build understands. */
    SCHEMA_VERSION_UNSUPPORTED,
    /** Larger than MAX_EVENT_BYTES. */
    PAYLOAD_TOO_LARGE,
    /** Tenant missing, unknown, suspended, not allow-listed, or not the owner of the exception. */
    TENANT_REJECTED,
    /** The handler rejected the data (business validation). */
    VALIDATION_FAILED,
    /** A transient failure persisted beyond the retry limit for the event type. */
    RETRIES_EXHAUSTED,
    /**
     * Delivered POISON_MAX_DELIVERIES times without reaching an outcome: the process handling it
     * ended each time (a crash loop). Quarantined without running again.
     */
    POISON_CRASH
}

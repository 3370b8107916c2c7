package io.exflow.runtime.delivery;

/** Why a record was dead-lettered; stable strings operators filter on. */
public enum ReasonCode {
    /** Value or data is not JSON, or the structured envelope is not a JSON object. */
    MALFORMED_EVENT,
    /** A required CloudEvents attribute or exflow extension is missing or invalid. */
    MISSING_ATTRIBUTE,
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
    RETRIES_EXHAUSTED
}

package io.exflow.domain.events;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** Why a value was redacted. */
@RegisterForReflection
public enum PiiKind {
    EMAIL,
    CARD_NUMBER,
    NATIONAL_ID,
    PHONE,
    /** The field name says the value is sensitive (password, date of birth, IBAN, ...). */
    SENSITIVE_KEY,
    /** The field is on the tenant's own list of PII fields. */
    TENANT_FIELD;

    /** The text that replaces a redacted value. */
    public String token() {
        return "[REDACTED:" + name() + "]";
    }
}

package io.exflow.worker.intake;

import java.util.Locale;
import java.util.Set;

/**
 * The core fields of an exception payload and the key spellings accepted for each. Keys are
 * compared in a canonical form (lower case, letters and digits only), so {@code exception_type},
 * {@code exceptionType}, {@code Exception-Type} and {@code EXCEPTION_TYPE} are one key.
 */
enum PayloadField {
    EXCEPTION_TYPE("exceptionType", "type", "exceptiontype"),
    SOURCE_SYSTEM("sourceSystem", "source", "sourcesystem"),
    ENTITY_ID("entityId", "entity", "entityid"),
    AMOUNT("amount", "amount"),
    CURRENCY("currency", "currency", "currencycode"),
    OCCURRED_AT("occurredAt", "timestamp", "occurredat"),
    SUMMARY("summary", "summary", "description"),
    /** A nested object of extra attributes, merged into the normalized attributes. */
    ATTRIBUTES("attributes", "attributes");

    /** Name used in violations and in the normalized record. */
    final String canonicalName;
    private final Set<String> aliases;

    PayloadField(String canonicalName, String... aliases) {
        this.canonicalName = canonicalName;
        this.aliases = Set.of(aliases);
    }

    /** The core field a payload key stands for, or {@code null} for an attribute key. */
    static PayloadField forKey(String key) {
        String canonical = canonicalKey(key);
        for (PayloadField field : values()) {
            if (field.aliases.contains(canonical)) {
                return field;
            }
        }
        return null;
    }

    static String canonicalKey(String key) {
        StringBuilder out = new StringBuilder(key.length());
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (Character.isLetterOrDigit(c)) {
                out.append(c);
            }
        }
        return out.toString().toLowerCase(Locale.ROOT);
    }
}

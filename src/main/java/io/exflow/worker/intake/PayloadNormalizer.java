package io.exflow.worker.intake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.exflow.packs.AttributePath;
import io.exflow.packs.DomainPack;
import io.exflow.packs.ExceptionTypeCode;
import io.exflow.packs.ExceptionTypeDef;
import io.exflow.worker.intake.PayloadValidationException.Violation;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Currency;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Validates a raw exception payload against its domain pack and brings it into canonical form.
 * All problems are reported together. Violation messages name fields but do not repeat payload
 * values (they may hold personal data), except the normalized exception type code.
 */
public final class PayloadNormalizer {

    public static final int MAX_SUMMARY_LENGTH = 500;
    /** Producers' clocks drift; a timestamp up to this far ahead of ours is accepted. */
    public static final Duration MAX_FUTURE_SKEW = Duration.ofMinutes(5);

    private static final int MAX_ID_LENGTH = 200;
    private static final int MAX_AMOUNT_INTEGER_DIGITS = 18;
    private static final int MAX_AMOUNT_DECIMALS = 6;
    private static final Pattern DECIMAL = Pattern.compile("[+-]?\\d+(\\.\\d+)?");
    private static final Pattern DIGITS = Pattern.compile("\\d+");
    private static final Pattern DATE_ONLY = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
    private static final Pattern CURRENCY_CODE = Pattern.compile("[A-Z]{3}");
    /** Below this, a number is almost certainly epoch seconds (it would be before March 1973 in millis). */
    private static final long MIN_PLAUSIBLE_EPOCH_MILLIS = 100_000_000_000L;

    private final Clock clock;

    public PayloadNormalizer() {
        this(Clock.systemUTC());
    }

    public PayloadNormalizer(Clock clock) {
        this.clock = clock;
    }

    /**
     * @throws PayloadValidationException listing every violation found
     */
    public NormalizedSubmission normalize(JsonNode raw, DomainPack domain) {
        List<Violation> violations = new ArrayList<>();
        if (raw == null || !raw.isObject()) {
            throw new PayloadValidationException(List.of(new Violation("payload", "must be a JSON object")));
        }
        Map<PayloadField, JsonNode> core = new EnumMap<>(PayloadField.class);
        ObjectNode attributes = splitFields(raw, core, violations);

        String typeCode = exceptionType(core.get(PayloadField.EXCEPTION_TYPE), violations);
        ExceptionTypeDef typeDef = null;
        if (typeCode != null) {
            typeDef = domain.exceptionType(typeCode).orElse(null);
            if (typeDef == null) {
                violations.add(new Violation("exceptionType", "unknown exception type '" + typeCode
                        + "' for domain '" + domain.name() + "'"));
            }
        }
        String source = identifier(PayloadField.SOURCE_SYSTEM, core.get(PayloadField.SOURCE_SYSTEM), violations);
        String entity = identifier(PayloadField.ENTITY_ID, core.get(PayloadField.ENTITY_ID), violations);
        BigDecimal amount = amount(core.get(PayloadField.AMOUNT), violations);
        String currency = currency(core.get(PayloadField.CURRENCY), violations);
        if (amount != null && currency == null && isAbsent(core.get(PayloadField.CURRENCY))) {
            violations.add(new Violation("currency", "is required when an amount is given"));
        }
        Instant occurredAt = occurredAt(core.get(PayloadField.OCCURRED_AT), violations);
        String summary = summary(core.get(PayloadField.SUMMARY), typeDef, violations);

        if (typeDef != null) {
            requiredFields(typeDef, core, attributes, violations);
        }
        if (!violations.isEmpty()) {
            throw new PayloadValidationException(violations);
        }
        return new NormalizedSubmission(typeCode, source, entity, amount, currency, occurredAt, summary, attributes);
    }

    // ---- field splitting -----------------------------------------------------------------------

    /** Sorts payload keys into core fields and attributes; returns the attributes (a new node). */
    private static ObjectNode splitFields(JsonNode raw, Map<PayloadField, JsonNode> core, List<Violation> violations) {
        ObjectNode attributes = JsonNodeFactory.instance.objectNode();
        Map<PayloadField, String> keyUsed = new EnumMap<>(PayloadField.class);
        for (Map.Entry<String, JsonNode> entry : raw.properties()) {
            PayloadField field = PayloadField.forKey(entry.getKey());
            if (field == null) {
                attributes.set(entry.getKey(), entry.getValue().deepCopy());
                continue;
            }
            JsonNode previous = core.putIfAbsent(field, entry.getValue());
            if (previous == null) {
                keyUsed.put(field, entry.getKey());
            } else if (!previous.equals(entry.getValue())) {
                violations.add(new Violation(field.canonicalName, "given twice with different values (as '"
                        + keyUsed.get(field) + "' and '" + entry.getKey() + "')"));
            }
        }
        JsonNode nested = core.remove(PayloadField.ATTRIBUTES);
        if (nested != null && !nested.isNull()) {
            if (nested.isObject()) {
                // Explicitly nested attributes win over stray top-level keys of the same name.
                attributes.setAll((ObjectNode) nested.deepCopy());
            } else {
                violations.add(new Violation("attributes", "must be a JSON object"));
            }
        }
        return attributes;
    }

    private static boolean isAbsent(JsonNode node) {
        return node == null || node.isNull() || (node.isTextual() && node.asText().isBlank());
    }

    // ---- core fields ---------------------------------------------------------------------------

    private static String exceptionType(JsonNode node, List<Violation> violations) {
        if (isAbsent(node)) {
            violations.add(new Violation("exceptionType", "is required"));
            return null;
        }
        if (!node.isTextual()) {
            violations.add(new Violation("exceptionType", "must be a string"));
            return null;
        }
        String code = ExceptionTypeCode.toUpperSnake(node.asText());
        if (code.isEmpty() || code.length() > 64) {
            violations.add(new Violation("exceptionType", "must be 1-64 letters, digits and separators"));
            return null;
        }
        return code;
    }

    private static String identifier(PayloadField field, JsonNode node, List<Violation> violations) {
        if (isAbsent(node)) {
            violations.add(new Violation(field.canonicalName, "is required"));
            return null;
        }
        if (!node.isTextual() && !node.isIntegralNumber()) {
            violations.add(new Violation(field.canonicalName, "must be a string or an integer"));
            return null;
        }
        String value = node.asText().trim();
        if (value.length() > MAX_ID_LENGTH) {
            violations.add(new Violation(field.canonicalName, "must be at most " + MAX_ID_LENGTH + " characters"));
            return null;
        }
        return value;
    }

    private static BigDecimal amount(JsonNode node, List<Violation> violations) {
        if (isAbsent(node)) {
            return null;
        }
        BigDecimal amount;
        if (node.isNumber()) {
            if (node.isFloatingPointNumber() && !Double.isFinite(node.doubleValue())) {
                violations.add(new Violation("amount", "must be a finite number"));
                return null;
            }
            amount = node.decimalValue();
        } else if (node.isTextual() && DECIMAL.matcher(node.asText().trim()).matches()) {
            amount = new BigDecimal(node.asText().trim());
        } else {
            violations.add(new Violation("amount", "must be a number or a numeric string like \"1250.00\""));
            return null;
        }
        if (amount.signum() < 0) {
            violations.add(new Violation("amount", "must not be negative (give the amount at stake)"));
            return null;
        }
        if (amount.scale() > MAX_AMOUNT_DECIMALS && amount.stripTrailingZeros().scale() > MAX_AMOUNT_DECIMALS) {
            violations.add(new Violation("amount", "must have at most " + MAX_AMOUNT_DECIMALS + " decimal places"));
            return null;
        }
        if (amount.precision() - amount.scale() > MAX_AMOUNT_INTEGER_DIGITS) {
            violations.add(new Violation("amount", "is too large"));
            return null;
        }
        return amount;
    }

    private static String currency(JsonNode node, List<Violation> violations) {
        if (isAbsent(node)) {
            return null;
        }
        String code = node.isTextual() ? node.asText().trim().toUpperCase(Locale.ROOT) : "";
        if (!CURRENCY_CODE.matcher(code).matches() || !isIsoCurrency(code)) {
            violations.add(new Violation("currency", "must be an ISO 4217 currency code like \"USD\""));
            return null;
        }
        return code;
    }

    private static boolean isIsoCurrency(String code) {
        try {
            Currency.getInstance(code);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private Instant occurredAt(JsonNode node, List<Violation> violations) {
        if (isAbsent(node)) {
            violations.add(new Violation("occurredAt", "is required"));
            return null;
        }
        Instant instant;
        try {
            instant = parseTimestamp(node);
        } catch (InvalidTimestamp e) {
            violations.add(new Violation("occurredAt", e.getMessage()));
            return null;
        }
        if (instant.isAfter(clock.instant().plus(MAX_FUTURE_SKEW))) {
            violations.add(new Violation("occurredAt", "is more than " + MAX_FUTURE_SKEW.toMinutes()
                    + " minutes in the future"));
            return null;
        }
        return instant;
    }

    /** Thrown inside timestamp parsing only; its message is a violation message. */
    private static final class InvalidTimestamp extends Exception {
        InvalidTimestamp(String message) {
            super(message, null, false, false);
        }
    }

    private static Instant parseTimestamp(JsonNode node) throws InvalidTimestamp {
        if (node.isIntegralNumber()) {
            return epochMillis(node.canConvertToLong() ? node.longValue() : -1);
        }
        if (!node.isTextual()) {
            throw new InvalidTimestamp("must be an ISO-8601 timestamp with offset, a date, or epoch milliseconds");
        }
        String text = node.asText().trim();
        if (DIGITS.matcher(text).matches()) {
            return epochMillis(text.length() > 18 ? -1 : Long.parseLong(text));
        }
        try {
            if (DATE_ONLY.matcher(text).matches()) {
                return LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            // ISO_DATE_TIME needs an offset or zone to yield a ZonedDateTime; a local time fails.
            return ZonedDateTime.parse(text, DateTimeFormatter.ISO_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            throw new InvalidTimestamp(text.contains("T") && !text.matches(".*(Z|[+-]\\d{2}(:?\\d{2})?)(\\[.*])?$")
                    ? "must include a UTC offset or 'Z'"
                    : "must be an ISO-8601 timestamp with offset, a date, or epoch milliseconds");
        } catch (DateTimeException e) {
            throw new InvalidTimestamp("is not a valid date or time");
        }
    }

    private static Instant epochMillis(long millis) throws InvalidTimestamp {
        if (millis < 0) {
            throw new InvalidTimestamp("epoch milliseconds out of range");
        }
        if (millis < MIN_PLAUSIBLE_EPOCH_MILLIS) {
            throw new InvalidTimestamp("looks like epoch seconds; epoch milliseconds are expected");
        }
        try {
            return Instant.ofEpochMilli(millis);
        } catch (DateTimeException e) {
            throw new InvalidTimestamp("epoch milliseconds out of range");
        }
    }

    private static String summary(JsonNode node, ExceptionTypeDef typeDef, List<Violation> violations) {
        String text = null;
        if (!isAbsent(node)) {
            if (node.isValueNode()) {
                text = node.asText().trim();
            } else {
                violations.add(new Violation("summary", "must be a string"));
            }
        }
        if (text == null || text.isEmpty()) {
            text = typeDef != null && typeDef.description() != null ? typeDef.description().trim() : "";
        }
        return truncate(text);
    }

    private static String truncate(String text) {
        if (text.length() <= MAX_SUMMARY_LENGTH) {
            return text;
        }
        int end = MAX_SUMMARY_LENGTH - 1;
        if (Character.isHighSurrogate(text.charAt(end - 1))) {
            end--; // do not split a surrogate pair
        }
        return text.substring(0, end).stripTrailing() + "…";
    }

    // ---- per-type required fields --------------------------------------------------------------

    private static void requiredFields(ExceptionTypeDef typeDef, Map<PayloadField, JsonNode> core,
            ObjectNode attributes, List<Violation> violations) {
        for (String required : typeDef.requiredFields()) {
            PayloadField field = PayloadField.forKey(required);
            boolean present;
            final String name;
            if (field != null && field != PayloadField.ATTRIBUTES) {
                // Core fields are validated above; here only presence matters.
                present = !isAbsent(core.get(field));
                name = field.canonicalName;
            } else {
                present = !isAbsent(attribute(attributes, required));
                name = required;
            }
            boolean reported = violations.stream().anyMatch(v -> v.field().equals(name));
            if (!present && !reported) {
                violations.add(new Violation(name, "is required for exception type " + typeDef.code()));
            }
        }
    }

    /** Exact key or dotted path first; then a top-level key spelled differently ({@code settlement_id}). */
    private static JsonNode attribute(ObjectNode attributes, String name) {
        JsonNode exact = AttributePath.lookup(attributes, name);
        if (exact != null) {
            return exact;
        }
        String canonical = PayloadField.canonicalKey(name);
        for (Map.Entry<String, JsonNode> entry : attributes.properties()) {
            String key = entry.getKey();
            if (PayloadField.canonicalKey(key).equals(canonical)) {
                return entry.getValue();
            }
        }
        return null;
    }
}

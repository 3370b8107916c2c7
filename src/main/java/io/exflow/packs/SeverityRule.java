package io.exflow.packs;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.math.BigDecimal;

/**
 * A domain severity rule. All conditions that are set must hold; rules are evaluated in order
 * and the first match wins.
 *
 * @param id              unique within the domain
 * @param exceptionType   the type it applies to, or {@code null} for any type
 * @param minAmount       the exception's amount must be present and {@code >=} this, if set
 * @param attribute       attribute name or dotted path; set together with {@code attributeEquals}
 * @param attributeEquals value the attribute must have, compared as text
 *                        ({@code "equals"} in JSON)
 * @param severity        severity assigned on match
 */
@RegisterForReflection
public record SeverityRule(
        String id,
        String exceptionType,
        BigDecimal minAmount,
        String attribute,
        @JsonProperty("equals") String attributeEquals,
        Severity severity) {

    /** Whether this rule applies to an exception with these values. */
    public boolean matches(String type, BigDecimal amount, JsonNode attributes) {
        if (exceptionType != null && !exceptionType.equals(type)) {
            return false;
        }
        if (minAmount != null && (amount == null || amount.compareTo(minAmount) < 0)) {
            return false;
        }
        if (attribute != null) {
            JsonNode value = AttributePath.lookup(attributes, attribute);
            return value != null && value.isValueNode() && value.asText().equals(attributeEquals);
        }
        return true;
    }
}

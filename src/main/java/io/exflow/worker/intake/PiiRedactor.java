package io.exflow.worker.intake;

import io.exflow.domain.events.PiiKind;
import io.exflow.domain.events.Redaction;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Replaces personal data in a JSON payload with {@code [REDACTED:KIND]} tokens before it is
 * stored or published. A value is redacted when its field name is sensitive (built-in names or
 * the tenant's extra fields; the whole value, even an object or array) or when a string contains
 * something shaped like PII (e-mail, Luhn-valid card number, national id, phone number; only
 * that part of the string). Object keys shaped like PII are redacted too. The input is never
 * modified and original values never appear in the result.
 */
public final class PiiRedactor {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern SIMPLE_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private PiiRedactor() {
    }

    /**
     * @param payload         any JSON value
     * @param extraFieldNames the tenant's additional PII field names (matched at any depth,
     *                        case- and separator-insensitively); may be {@code null}
     */
    public static RedactionResult redact(JsonNode payload, Set<String> extraFieldNames) {
        Objects.requireNonNull(payload, "payload");
        Walk walk = new Walk(SensitiveKeys.canonicalAll(extraFieldNames));
        JsonNode redacted = walk.value(payload, "$");
        return new RedactionResult(redacted, new ArrayList<>(walk.redactions));
    }

    /** State of one redaction pass. */
    private static final class Walk {
        private final Set<String> tenantFields;
        private final Set<Redaction> redactions = new LinkedHashSet<>();

        Walk(Set<String> tenantFields) {
            this.tenantFields = tenantFields;
        }

        JsonNode value(JsonNode node, String path) {
            if (node.isObject()) {
                return object(node, path);
            }
            if (node.isArray()) {
                ArrayNode copy = NODES.arrayNode(node.size());
                for (int i = 0; i < node.size(); i++) {
                    copy.add(value(node.get(i), path + "[" + i + "]"));
                }
                return copy;
            }
            if (node.isTextual()) {
                return TextNode.valueOf(text(node.asText(), path));
            }
            if (node.isIntegralNumber() && Luhn.isCardNumber(node.asText())) {
                // A card number sent as a JSON number.
                return redacted(PiiKind.CARD_NUMBER, path);
            }
            return node.deepCopy();
        }

        private ObjectNode object(JsonNode node, String path) {
            ObjectNode copy = NODES.objectNode();
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                String key = uniqueKey(copy, safeKey(field.getKey(), path));
                String childPath = childPath(path, key);
                PiiKind byName = SensitiveKeys.classify(field.getKey(), tenantFields);
                JsonNode value = field.getValue();
                if (byName != null && !value.isNull() && !value.isMissingNode()) {
                    copy.set(key, redacted(byName, childPath));
                } else {
                    copy.set(key, value(value, childPath));
                }
            }
            return copy;
        }

        /** A key that itself contains PII (e.g. a map keyed by e-mail) is redacted like a value. */
        private String safeKey(String key, String parentPath) {
            Set<PiiKind> found = EnumSet.noneOf(PiiKind.class);
            String safe = PiiValueScanner.redact(key, found);
            for (PiiKind kind : found) {
                redactions.add(new Redaction(childPath(parentPath, safe), kind));
            }
            return safe;
        }

        private static String uniqueKey(ObjectNode target, String key) {
            String candidate = key;
            for (int n = 2; target.has(candidate); n++) {
                candidate = key + "#" + n;
            }
            return candidate;
        }

        private String text(String text, String path) {
            Set<PiiKind> found = EnumSet.noneOf(PiiKind.class);
            String safe = PiiValueScanner.redact(text, found);
            for (PiiKind kind : found) {
                redactions.add(new Redaction(path, kind));
            }
            return safe;
        }

        private JsonNode redacted(PiiKind kind, String path) {
            redactions.add(new Redaction(path, kind));
            return TextNode.valueOf(kind.token());
        }
    }

    private static String childPath(String parent, String key) {
        if (SIMPLE_KEY.matcher(key).matches()) {
            return parent + "." + key;
        }
        return parent + "['" + key.replace("\\", "\\\\").replace("'", "\\'") + "']";
    }
}

package io.exflow.runtime.event;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.exflow.runtime.delivery.PermanentFailure;
import io.exflow.runtime.delivery.ReasonCode;

/**
 * CloudEvents 1.0 Kafka protocol binding. Emits binary mode (attributes as {@code ce_*}
 * headers, data as the JSON value); accepts binary and structured
 * ({@code content-type: application/cloudevents+json}) mode. exflow's extensions:
 * {@code tenantid}, {@code exceptionid}, {@code correlationid}, {@code causationid},
 * {@code schemaversion}.
 */
public final class CloudEventCodec {
    public static final String SPEC_VERSION = "1.0";
    public static final String CONTENT_TYPE = "content-type";
    public static final String JSON = "application/json";
    public static final String STRUCTURED = "application/cloudevents+json";
    private static final String PREFIX = "ce_";

    private final ObjectMapper mapper;

    public CloudEventCodec(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** Binary-mode headers for an event (value = {@link #dataBytes}). */
    public Map<String, String> headers(EventEnvelope e) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put(PREFIX + "specversion", SPEC_VERSION);
        h.put(PREFIX + "id", e.id().toString());
        h.put(PREFIX + "type", e.type());
        h.put(PREFIX + "source", e.source());
        h.put(PREFIX + "time", e.time().toString());
        h.put(PREFIX + "tenantid", e.tenantId());
        h.put(PREFIX + "exceptionid", e.exceptionId().toString());
        h.put(PREFIX + "correlationid", e.correlationId());
        if (e.causationId() != null) {
            h.put(PREFIX + "causationid", e.causationId());
        }
        h.put(PREFIX + "schemaversion", Integer.toString(e.schemaVersion()));
        h.put(CONTENT_TYPE, JSON);
        return h;
    }

    public byte[] dataBytes(EventEnvelope e) {
        try {
            return mapper.writeValueAsBytes(e.data());
        } catch (IOException ex) {
            throw new IllegalStateException("event data not serializable", ex);
        }
    }

    /** Structured mode (the whole event as one JSON object): used where there are no headers, such as Redis lists. */
    public byte[] structured(EventEnvelope e) {
        ObjectNode node = mapper.createObjectNode();
        headers(e).forEach((name, value) -> {
            if (name.startsWith(PREFIX)) {
                node.put(name.substring(PREFIX.length()), value);
            }
        });
        node.put("datacontenttype", JSON);
        node.set("data", e.data());
        try {
            return mapper.writeValueAsBytes(node);
        } catch (IOException ex) {
            throw new IllegalStateException("event not serializable", ex);
        }
    }

    /** Decodes either mode; anything wrong is a {@link PermanentFailure} with its reason. */
    public EventEnvelope decode(Map<String, String> headers, byte[] value) {
        if (value == null) {
            throw new PermanentFailure(ReasonCode.MALFORMED_EVENT, "record has no value");
        }
        String contentType = headers.getOrDefault(CONTENT_TYPE, "");
        if (contentType.startsWith(STRUCTURED) || (!headers.containsKey(PREFIX + "specversion") && looksStructured(value))) {
            return decodeStructured(value);
        }
        JsonNode data = parse(value, "data is not JSON");
        return build(name -> headers.get(PREFIX + name), data);
    }

    private boolean looksStructured(byte[] value) {
        int i = 0;
        while (i < value.length && Character.isWhitespace(value[i])) {
            i++;
        }
        return i < value.length && value[i] == '{' && new String(value, StandardCharsets.UTF_8).contains("\"specversion\"");
    }

    private EventEnvelope decodeStructured(byte[] value) {
        JsonNode node = parse(value, "structured CloudEvent is not JSON");
        if (!(node instanceof ObjectNode envelope)) {
            throw new PermanentFailure(ReasonCode.MALFORMED_EVENT, "structured CloudEvent is not a JSON object");
        }
        JsonNode data = envelope.get("data");
        if (data == null && envelope.hasNonNull("data_base64")) {
            data = parse(java.util.Base64.getDecoder().decode(envelope.get("data_base64").asText()), "data_base64 is not JSON");
        }
        JsonNode finalData = data == null ? mapper.nullNode() : data;
        return build(name -> envelope.hasNonNull(name) ? envelope.get(name).asText() : null, finalData);
    }

    private JsonNode parse(byte[] bytes, String problem) {
        try {
            JsonNode node = mapper.readTree(bytes);
            if (node == null || node.isMissingNode()) {
                throw new PermanentFailure(ReasonCode.MALFORMED_EVENT, problem + " (empty)");
            }
            return node;
        } catch (IOException e) {
            throw new PermanentFailure(ReasonCode.MALFORMED_EVENT, problem);
        }
    }

    private interface Attributes {
        String get(String name);
    }

    private EventEnvelope build(Attributes a, JsonNode data) {
        String specVersion = a.get("specversion");
        if (!SPEC_VERSION.equals(specVersion)) {
            throw new PermanentFailure(specVersion == null ? ReasonCode.MISSING_ATTRIBUTE : ReasonCode.MALFORMED_EVENT,
                    "specversion must be 1.0, was " + specVersion);
        }
        UUID id = uuid(a, "id");
        String type = required(a, "type");
        String source = required(a, "source");
        Instant time = instant(a);
        String tenant = a.get("tenantid");
        if (tenant != null && tenant.isBlank()) {
            tenant = null; // reported by the tenant guard as TENANT_REJECTED, not here
        }
        UUID exceptionId = uuid(a, "exceptionid");
        String correlation = a.get("correlationid");
        if (correlation == null || correlation.isBlank()) {
            correlation = exceptionId.toString();
        }
        String causation = a.get("causationid");
        int schemaVersion = schemaVersion(a.get("schemaversion"));
        return new EventEnvelope(id, type, source, time, tenant, exceptionId, correlation, causation, schemaVersion, data);
    }

    private static String required(Attributes a, String name) {
        String value = a.get(name);
        if (value == null || value.isBlank()) {
            throw new PermanentFailure(ReasonCode.MISSING_ATTRIBUTE, "CloudEvents attribute '" + name + "' is missing");
        }
        return value;
    }

    private static UUID uuid(Attributes a, String name) {
        String value = required(a, name);
        try {
            return UUID.fromString(value.trim());
        } catch (IllegalArgumentException e) {
            throw new PermanentFailure(ReasonCode.MISSING_ATTRIBUTE, "attribute '" + name + "' is not a UUID");
        }
    }

    private static Instant instant(Attributes a) {
        String value = required(a, "time");
        try {
            return java.time.OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            throw new PermanentFailure(ReasonCode.MISSING_ATTRIBUTE, "attribute 'time' is not RFC 3339");
        }
    }

    /** Absent means version 1 (events from before versioning); garbage is a bad attribute. */
    private static int schemaVersion(String value) {
        if (value == null || value.isBlank()) {
            return 1;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new PermanentFailure(ReasonCode.MISSING_ATTRIBUTE, "attribute 'schemaversion' is not an integer");
        }
    }
}

package io.exflow.runtime.event;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

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
 * {@code schemaversion}; and the distributed-tracing extension's {@code traceparent} and
 * {@code tracestate} when the event carries a trace.
 */
public final class CloudEventCodec {
    public static final String SPEC_VERSION = "1.0";
    public static final String CONTENT_TYPE = "content-type";
    public static final String JSON = "application/json";
    public static final String STRUCTURED = "application/cloudevents+json";
    private static final String PREFIX = "ce_";
    /** RFC 3339 section 5.6 {@code date-time} (the T, Z and offsets in either case). */
    private static final Pattern RFC_3339 = Pattern.compile(
            "\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?([Zz]|[+-]\\d{2}:\\d{2})");

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
        putTrace(h, e);
        h.put(CONTENT_TYPE, JSON);
        return h;
    }

    /**
     * Only what the outbox relay needs to trace a Redis job's publish (its ids and trace context),
     * as binary-mode header names; empty for an event without a trace, so untraced jobs cost nothing.
     */
    public Map<String, String> traceHeaders(EventEnvelope e) {
        if (e.traceparent() == null) {
            return Map.of();
        }
        Map<String, String> h = new LinkedHashMap<>();
        h.put(PREFIX + "id", e.id().toString());
        h.put(PREFIX + "type", e.type());
        h.put(PREFIX + "tenantid", e.tenantId());
        h.put(PREFIX + "exceptionid", e.exceptionId().toString());
        putTrace(h, e);
        return h;
    }

    private static void putTrace(Map<String, String> h, EventEnvelope e) {
        if (e.traceparent() != null) {
            h.put(PREFIX + "traceparent", e.traceparent());
            if (e.tracestate() != null && !e.tracestate().isEmpty()) {
                h.put(PREFIX + "tracestate", e.tracestate());
            }
        }
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
        boolean binary = headers.containsKey(PREFIX + "specversion");
        if (value == null && !binary) {
            throw new PermanentFailure(ReasonCode.MALFORMED_EVENT, "record has no value");
        }
        String contentType = headers.getOrDefault(CONTENT_TYPE, "");
        if (contentType.startsWith(STRUCTURED) || (!binary && looksStructured(value))) {
            return decodeStructured(value);
        }
        // A binary-mode event may have no data at all (CloudEvents makes data optional): the handler decides.
        JsonNode data = value == null || value.length == 0 ? mapper.nullNode() : parse(value, "data is not JSON");
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
        if (value == null) {
            throw new PermanentFailure(ReasonCode.MALFORMED_EVENT, "structured CloudEvent record has no value");
        }
        JsonNode node = parse(value, "structured CloudEvent is not JSON");
        if (!(node instanceof ObjectNode envelope)) {
            throw new PermanentFailure(ReasonCode.MALFORMED_EVENT, "structured CloudEvent is not a JSON object");
        }
        JsonNode data = envelope.get("data");
        if (envelope.hasNonNull("data_base64")) {
            if (data != null) {
                throw new PermanentFailure(ReasonCode.MALFORMED_EVENT, "structured CloudEvent has both data and data_base64");
            }
            data = parse(base64(envelope.get("data_base64")), "data_base64 is not JSON");
        }
        JsonNode finalData = data == null ? mapper.nullNode() : data;
        return build(name -> envelope.hasNonNull(name) ? envelope.get(name).asText() : null, finalData);
    }

    /** Bad base64 can never decode on a retry: a permanent failure, not the decoder's IllegalArgumentException. */
    private static byte[] base64(JsonNode encoded) {
        if (!encoded.isTextual()) {
            throw new PermanentFailure(ReasonCode.MALFORMED_EVENT, "data_base64 is not a string");
        }
        try {
            return Base64.getDecoder().decode(encoded.textValue());
        } catch (IllegalArgumentException e) {
            throw new PermanentFailure(ReasonCode.MALFORMED_EVENT, "data_base64 is not valid base64 (RFC 4648)");
        }
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

    /**
     * Absent (or empty) required attributes are {@code MISSING_ATTRIBUTE}; present but malformed
     * ones are {@code INVALID_ATTRIBUTE}. Optional attributes ({@code time}, exflow's
     * {@code correlationid}, {@code causationid}, {@code schemaversion}) may be absent.
     */
    private EventEnvelope build(Attributes a, JsonNode data) {
        String specVersion = required(a, "specversion");
        if (!SPEC_VERSION.equals(specVersion)) {
            throw new PermanentFailure(ReasonCode.INVALID_ATTRIBUTE, "specversion must be 1.0, was " + specVersion);
        }
        UUID id = uuid(a, "id");
        String type = required(a, "type");
        String source = uriReference(a, "source");
        Instant time = time(a.get("time"));
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
        // Trace context is never a reason to reject an event: a malformed traceparent is ignored when it is read.
        return new EventEnvelope(id, type, source, time, tenant, exceptionId, correlation, causation, schemaVersion, data,
                emptyToNull(a.get("traceparent")), emptyToNull(a.get("tracestate")));
    }

    private static String emptyToNull(String value) {
        return value == null || value.isBlank() ? null : value;
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
            throw new PermanentFailure(ReasonCode.INVALID_ATTRIBUTE, "attribute '" + name + "' is not a UUID");
        }
    }

    private static String uriReference(Attributes a, String name) {
        String value = required(a, name);
        try {
            new URI(value);
            return value;
        } catch (URISyntaxException e) {
            throw new PermanentFailure(ReasonCode.INVALID_ATTRIBUTE, "attribute '" + name + "' is not a URI reference");
        }
    }

    /**
     * {@code time} is optional in CloudEvents; without it the event is taken as happening when it
     * was read (for an ingested exception: when intake read it in the attempt that processed it). When present it must be an
     * RFC 3339 date-time: seconds and an offset (or Z) are required, which ISO-8601 parsing alone
     * would not insist on.
     */
    static Instant time(String value) {
        if (value == null || value.isEmpty()) {
            return Instant.now();
        }
        if (!RFC_3339.matcher(value).matches()) {
            throw new PermanentFailure(ReasonCode.INVALID_ATTRIBUTE, "attribute 'time' is not an RFC 3339 date-time");
        }
        try {
            return OffsetDateTime.parse(value.toUpperCase(Locale.ROOT)).toInstant();
        } catch (DateTimeParseException e) {
            throw new PermanentFailure(ReasonCode.INVALID_ATTRIBUTE, "attribute 'time' is not an RFC 3339 date-time");
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
            throw new PermanentFailure(ReasonCode.INVALID_ATTRIBUTE, "attribute 'schemaversion' is not an integer");
        }
    }
}

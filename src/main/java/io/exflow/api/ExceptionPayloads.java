package io.exflow.api;

import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Reads and checks a submitted exception before it is accepted: at most API_MAX_BODY_BYTES,
 * well-formed JSON without duplicate keys, nested at most API_MAX_JSON_DEPTH deep, a JSON
 * object with a non-blank {@code type} (or {@code exceptionType}/{@code exception_type}), field
 * names up to {@value #MAX_KEY_CHARS} characters, strings up to {@value #MAX_STRING_CHARS}, and
 * {@code type}/{@code source}/{@code entity} up to {@value #MAX_ID_CHARS}. Everything else
 * (the domain's exception types, required fields, amounts, timestamps) is intake's job, which
 * dead-letters a bad payload with the field names. Errors name fields, never values.
 */
@ApplicationScoped
public class ExceptionPayloads {
    static final int MAX_KEY_CHARS = 128;
    static final int MAX_STRING_CHARS = 8192;
    static final int MAX_ID_CHARS = 200;
    private static final List<String> TYPE_FIELDS = List.of("type", "exceptionType", "exception_type");
    private static final List<String> ID_FIELDS = List.of("type", "exceptionType", "exception_type", "source",
            "sourceSystem", "source_system", "entity", "entityId", "entity_id");

    private final ApiSettings settings;
    private final ObjectMapper strict;

    public ExceptionPayloads(ApiSettings settings) {
        this.settings = settings;
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(settings.maxJsonDepth())
                        .maxStringLength(settings.maxBodyBytes()).build())
                .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        this.strict = new ObjectMapper(factory).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    /** The body as a JSON object, or a 400/413 problem. */
    public JsonNode read(InputStream body) {
        byte[] bytes = readBounded(body);
        if (bytes.length == 0) {
            throw ProblemException.badRequest("the request body must be a JSON object with at least 'type'");
        }
        JsonNode node;
        try (JsonParser parser = strict.createParser(bytes)) {
            node = strict.readTree(parser);
        } catch (StreamConstraintsException e) {
            throw ProblemException.badRequest("the JSON is nested deeper than " + settings.maxJsonDepth() + " levels");
        } catch (IOException e) {
            throw new ProblemException(Problem.of(400, "malformed-json", "Malformed JSON",
                    "the request body is not valid JSON" + (e.getMessage() != null && e.getMessage().startsWith("Duplicate field")
                            ? " (duplicate field)" : "")));
        }
        validate(node);
        return node;
    }

    private byte[] readBounded(InputStream body) {
        try {
            byte[] bytes = body == null ? new byte[0] : body.readNBytes(settings.maxBodyBytes() + 1);
            if (bytes.length > settings.maxBodyBytes()) {
                throw new ProblemException(ApiHttp.tooLarge(settings));
            }
            return bytes;
        } catch (IOException e) {
            throw ProblemException.badRequest("the request body could not be read");
        }
    }

    static void validate(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw ProblemException.badRequest("the request body must be a JSON object with at least 'type'");
        }
        JsonNode type = TYPE_FIELDS.stream().map(node::get).filter(n -> n != null && !n.isNull()).findFirst().orElse(null);
        if (type == null || !type.isTextual() || type.asText().isBlank()) {
            throw ProblemException.badRequest("'type' is required and must be a non-blank string");
        }
        for (String field : ID_FIELDS) {
            JsonNode v = node.get(field);
            if (v != null && v.isTextual() && v.asText().length() > MAX_ID_CHARS) {
                throw ProblemException.badRequest("'" + field + "' is longer than " + MAX_ID_CHARS + " characters");
            }
        }
        checkSizes(node, "");
    }

    private static void checkSizes(JsonNode node, String path) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().length() > MAX_KEY_CHARS) {
                    throw ProblemException.badRequest("a field name under '" + (path.isEmpty() ? "/" : path)
                            + "' is longer than " + MAX_KEY_CHARS + " characters");
                }
                checkSizes(e.getValue(), path + "/" + e.getKey());
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                checkSizes(node.get(i), path + "/" + i);
            }
        } else if (node.isTextual() && node.asText().length() > MAX_STRING_CHARS) {
            throw ProblemException.badRequest("'" + path + "' is longer than " + MAX_STRING_CHARS + " characters");
        }
    }
}

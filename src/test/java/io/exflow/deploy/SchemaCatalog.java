package io.exflow.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

/**
 * The JSON schemas under src/test/resources/schemas, one file per API provider (Kubernetes 1.33,
 * KEDA 2.20, Prometheus Operator, Strimzi, Argo CD). Each file lists the kinds it covers in
 * {@code x-kinds}; an object of any other kind is an error, so a new kind needs a schema.
 */
final class SchemaCatalog {

    static final List<String> FILES = List.of("kubernetes-1.33.json", "keda-2.20.json", "prometheus-operator-0.93.json",
            "strimzi-0.4x.json", "argo-cd-3.json");

    private final Map<String, JsonSchema> byKind = new LinkedHashMap<>();

    static SchemaCatalog load() {
        SchemaCatalog catalog = new SchemaCatalog();
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
        for (String file : FILES) {
            try (InputStream in = SchemaCatalog.class.getResourceAsStream("/schemas/" + file)) {
                if (in == null) {
                    throw new IllegalStateException("missing schema resource /schemas/" + file);
                }
                ObjectNode node = (ObjectNode) Yaml.JSON.readTree(in);
                // x-kinds is the catalog's index, not a validation keyword.
                JsonNode kinds = node.remove("x-kinds");
                JsonSchema schema = factory.getSchema(node);
                for (JsonNode kind : kinds) {
                    catalog.byKind.put(key(kind.path("apiVersion").asText(), kind.path("kind").asText()), schema);
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot read schema " + file, e);
            }
        }
        return catalog;
    }

    /** Problems of one object; empty when it is valid. */
    List<String> validate(JsonNode object) {
        String apiVersion = object.path("apiVersion").asText();
        String kind = object.path("kind").asText();
        JsonSchema schema = byKind.get(key(apiVersion, kind));
        String where = Yaml.kindAndName(object);
        if (schema == null) {
            return List.of(where + ": no schema for " + apiVersion + " " + kind + " (add it under src/test/resources/schemas)");
        }
        List<String> problems = new ArrayList<>();
        for (ValidationMessage message : schema.validate(object)) {
            problems.add(where + ": " + message.getMessage());
        }
        return problems;
    }

    private static String key(String apiVersion, String kind) {
        return apiVersion + " " + kind;
    }
}

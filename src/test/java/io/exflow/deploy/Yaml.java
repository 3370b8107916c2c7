package io.exflow.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/** YAML/JSON reading and small tree helpers shared by the checks. */
final class Yaml {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final ObjectMapper JSON = new ObjectMapper();

    /** All documents of a (multi-document) YAML text, empty ones dropped. */
    static List<JsonNode> documents(String text) {
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(text)) {
            List<JsonNode> docs = new ArrayList<>();
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isNull() && !doc.isMissingNode() && !doc.isEmpty()) {
                    docs.add(doc);
                }
            }
            return docs;
        } catch (IOException e) {
            throw new IllegalStateException("not YAML: " + e.getMessage(), e);
        }
    }

    static List<JsonNode> documents(Path file) {
        try {
            return documents(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file, e);
        }
    }

    static JsonNode read(Path file) {
        List<JsonNode> docs = documents(file);
        if (docs.size() != 1) {
            throw new IllegalStateException(file + " must hold exactly one YAML document");
        }
        return docs.get(0);
    }

    /** Node at a slash-separated path ("spec/template/spec"), MissingNode when absent. */
    static JsonNode at(JsonNode node, String path) {
        JsonNode current = node;
        for (String part : path.split("/")) {
            if (current == null || current.isMissingNode()) {
                return MissingNode.getInstance();
            }
            current = current.path(part);
        }
        return current;
    }

    static String text(JsonNode node, String path) {
        JsonNode n = at(node, path);
        return n.isMissingNode() || n.isNull() ? null : n.asText();
    }

    static List<JsonNode> list(JsonNode node, String path) {
        JsonNode n = at(node, path);
        return n.isArray() ? StreamSupport.stream(n.spliterator(), false).toList() : List.of();
    }

    static Map<String, String> stringMap(JsonNode node) {
        Map<String, String> map = new LinkedHashMap<>();
        if (node != null && node.isObject()) {
            node.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue().isNull() ? "" : e.getValue().asText()));
        }
        return map;
    }

    static String kindAndName(JsonNode doc) {
        return doc.path("kind").asText() + "/" + doc.path("metadata").path("name").asText();
    }

    static Optional<JsonNode> find(List<JsonNode> docs, String kind, String name) {
        return docs.stream().filter(d -> kind.equals(d.path("kind").asText()) && name.equals(d.path("metadata").path("name").asText())).findFirst();
    }

    static List<JsonNode> ofKind(List<JsonNode> docs, String kind) {
        return docs.stream().filter(d -> kind.equals(d.path("kind").asText())).toList();
    }

    private Yaml() {
    }
}

package io.exflow.packs;

import com.fasterxml.jackson.databind.JsonNode;

/** Looks up a dotted path ({@code merchant.tier}) in an attributes object. */
public final class AttributePath {

    private AttributePath() {
    }

    /**
     * @return the node at {@code path}, or {@code null} when any segment is missing or the
     *         value is JSON null
     */
    public static JsonNode lookup(JsonNode attributes, String path) {
        if (attributes == null || path == null || path.isBlank()) {
            return null;
        }
        // An exact key wins over a dotted path, so keys that contain dots stay addressable.
        JsonNode exact = attributes.get(path);
        if (exact != null) {
            return exact.isNull() ? null : exact;
        }
        JsonNode current = attributes;
        for (String segment : path.split("\\.", -1)) {
            if (current == null || !current.isObject()) {
                return null;
            }
            current = current.get(segment);
        }
        return current == null || current.isNull() ? null : current;
    }
}

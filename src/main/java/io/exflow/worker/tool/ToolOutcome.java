package io.exflow.worker.tool;

import com.fasterxml.jackson.databind.JsonNode;

/** What one tool call returned. */
public record ToolOutcome(boolean succeeded, JsonNode output, String error) {
    public static ToolOutcome success(JsonNode output) {
        return new ToolOutcome(true, output, null);
    }

    public static ToolOutcome failure(String error) {
        return new ToolOutcome(false, null, error);
    }
}

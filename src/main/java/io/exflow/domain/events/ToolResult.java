package io.exflow.domain.events;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Data of {@code exflow.tool.result}: the outcome of one attempt of one tool job.
 *
 * @param jobId   the job (playbook run step attempt) this answers
 * @param status  SUCCEEDED or FAILED
 */
@RegisterForReflection
public record ToolResult(String jobId, String playbookId, int stepIndex, String tool, int attempt, String status,
        JsonNode output, String error, long durationMs) {
    public boolean succeeded() {
        return "SUCCEEDED".equals(status);
    }
}

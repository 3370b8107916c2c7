package io.exflow.domain.events;

import java.util.Map;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Data of {@code exflow.tool.job}: one attempt of one playbook step's tool call, pushed on a
 * Redis tool queue by priority.
 *
 * @param jobId unique per attempt; the tool execution row and the HTTP Idempotency-Key use it
 */
@RegisterForReflection
public record ToolJob(String jobId, String playbookId, int stepIndex, String stepName, String tool, int attempt,
        Map<String, Object> params) {
}

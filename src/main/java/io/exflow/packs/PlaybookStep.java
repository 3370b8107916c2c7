package io.exflow.packs;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.Map;

/**
 * One step of a playbook.
 *
 * @param name        unique within the playbook
 * @param action      what the step does
 * @param tool        tool name, required for {@link StepAction#TOOL}, must be defined in the domain
 * @param maxAttempts attempts before the step fails (default {@value #DEFAULT_MAX_ATTEMPTS})
 * @param params      free-form step parameters (tool input, notification target, ...)
 */
@RegisterForReflection
public record PlaybookStep(String name, StepAction action, String tool, int maxAttempts, Map<String, Object> params) {

    public static final int DEFAULT_MAX_ATTEMPTS = 3;

    public PlaybookStep {
        params = PackCollections.map(params);
    }

    /** Jackson entry point: a missing {@code maxAttempts} means the default, not zero. */
    @JsonCreator
    static PlaybookStep fromJson(
            @JsonProperty("name") String name,
            @JsonProperty("action") StepAction action,
            @JsonProperty("tool") String tool,
            @JsonProperty("maxAttempts") Integer maxAttempts,
            @JsonProperty("params") Map<String, Object> params) {
        return new PlaybookStep(name, action, tool, maxAttempts == null ? DEFAULT_MAX_ATTEMPTS : maxAttempts, params);
    }
}

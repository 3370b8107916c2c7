package io.exflow.packs;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * A tool that playbook steps can call.
 *
 * @param name      unique within the domain, e.g. {@code settlement.retry}
 * @param mode      simulate or http
 * @param endpoint  absolute http(s) URL; required for {@link ToolMode#HTTP}
 * @param timeoutMs per-call timeout
 * @param simulate  latency/failure profile; required for {@link ToolMode#SIMULATE}
 * @param maxConcurrency at most this many calls of this tool at once per tool process (optional;
 *                  without it only the process limit TOOL_MAX_CONCURRENT_CALLS applies)
 */
@RegisterForReflection
public record ToolDef(String name, String description, ToolMode mode, String endpoint, int timeoutMs,
        SimulateProfile simulate, Integer maxConcurrency) {
}

package io.exflow.packs;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Behaviour of a tool in {@link ToolMode#SIMULATE} mode.
 *
 * @param latencyMs   how long a simulated call takes
 * @param failureRate probability in [0, 1] that a simulated call fails
 */
@RegisterForReflection
public record SimulateProfile(int latencyMs, double failureRate) {
}

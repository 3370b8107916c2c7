package io.exflow.packs;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** Token bucket for the tenant's API submissions. */
@RegisterForReflection
public record RateLimit(double requestsPerSecond, int burst) {
}

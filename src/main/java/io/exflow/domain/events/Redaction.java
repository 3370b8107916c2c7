package io.exflow.domain.events;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * One redacted location.
 *
 * @param path JSONPath-style location in the payload, e.g. {@code $.customer.email},
 *             {@code $.items[2].note}, {@code $['odd key']}
 */
@RegisterForReflection
public record Redaction(String path, PiiKind kind) {
}

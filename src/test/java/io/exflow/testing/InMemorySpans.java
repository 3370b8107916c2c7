package io.exflow.testing;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.quarkus.arc.Unremovable;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Test sources only: finished spans go to memory, where TracingIT reads them. The SDK's CDI
 * exporter picks up every SpanExporter bean; with the SDK disabled (every other profile) it is
 * never called.
 */
public final class InMemorySpans {
    @Produces
    @Singleton
    @Unremovable
    InMemorySpanExporter exporter() {
        return InMemorySpanExporter.create();
    }
}

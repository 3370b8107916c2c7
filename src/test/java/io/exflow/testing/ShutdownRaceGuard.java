package io.exflow.testing;

import org.jboss.threads.JBossExecutors;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Test-only. When a test application stops, Vert.x closes its internal blocking pool with
 * {@code shutdownNow()}; the last pool thread leaves with its interrupt flag set and, on its way
 * out, loads jboss-threads' {@code ContextClassLoaderSavingRunnable} for the first time. Reading
 * that class from its jar is interruptible, so the load fails (ClosedByInterruptException), the
 * exception is uncaught, and failsafe fails the whole run although every test passed (seen in
 * three of five full runs on 2026-11-22). Loading the class at start-up takes the jar read out of
 * the shutdown path.
 */
@ApplicationScoped
public class ShutdownRaceGuard {
    void preload(@Observes StartupEvent started) {
        JBossExecutors.classLoaderPreservingTask(() -> {
        });
    }
}

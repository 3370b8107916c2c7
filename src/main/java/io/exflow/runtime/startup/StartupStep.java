package io.exflow.runtime.startup;

/**
 * Work against a dependency (PostgreSQL, Kafka, Redis) that must succeed before this process's
 * roles start. {@link DependencyWait} runs the steps in order and retries a failing one with a
 * capped backoff, so a process started before its dependencies waits instead of exiting.
 */
public interface StartupStep {
    /** What the step needs, as logged and shown by the startup check: "PostgreSQL (schema migration)". */
    String dependency();

    /** Steps run in ascending order: the schema before what writes to it. */
    int order();

    /** False when this process's roles do not need the step. */
    default boolean needed() {
        return true;
    }

    /** Does the work; throws while the dependency cannot be reached (the step is then run again). */
    void run() throws Exception;
}

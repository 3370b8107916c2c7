package io.exflow.runtime.startup;

/** Fired once every {@link StartupStep} succeeded, just before the roles' loops start. */
public record DependenciesReady() {
}

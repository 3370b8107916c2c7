package io.exflow.runtime.health;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Startup;

import io.exflow.runtime.WorkerRuntime;
import io.exflow.runtime.config.ExflowSettings;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Started once the start-up steps succeeded (schema migrated, packs stored, topics exist, Redis
 * answers) and this process's roles are running; while not, it names the dependency it waits for.
 */
@Startup
@ApplicationScoped
public class WorkersStarted implements HealthCheck {
    private final WorkerRuntime runtime;
    private final ExflowSettings settings;

    public WorkersStarted(WorkerRuntime runtime, ExflowSettings settings) {
        this.runtime = runtime;
        this.settings = settings;
    }

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("exflow-workers").status(runtime.started())
                .withData("roles", settings.roles().toString());
        String waitingFor = runtime.waitingFor();
        if (waitingFor != null) {
            response.withData("waiting for", waitingFor);
        }
        return response.build();
    }
}

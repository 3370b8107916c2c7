package io.exflow.runtime.health;

import java.util.EnumSet;
import java.util.Set;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.exflow.runtime.WorkerRuntime;
import io.exflow.runtime.WorkerLoop;
import io.exflow.runtime.config.ExflowSettings;
import io.exflow.runtime.config.WorkerRole;
import io.exflow.runtime.redis.ReliableQueueLoop;
import io.quarkus.redis.datasource.RedisDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

/** Redis is checked only for the roles that use it (api rate limits, playbook jobs, tool queues). */
@Readiness
@ApplicationScoped
public class RedisReadiness implements HealthCheck {
    private static final Set<WorkerRole> USES_REDIS = EnumSet.of(WorkerRole.API, WorkerRole.PLAYBOOK, WorkerRole.TOOL);

    private final ExflowSettings settings;
    private final Instance<RedisDataSource> redis;
    private final WorkerRuntime runtime;

    public RedisReadiness(ExflowSettings settings, Instance<RedisDataSource> redis, WorkerRuntime runtime) {
        this.settings = settings;
        this.redis = redis;
        this.runtime = runtime;
    }

    public static boolean usesRedis(ExflowSettings settings) {
        return settings.roles().stream().anyMatch(USES_REDIS::contains);
    }

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("exflow-redis");
        if (!usesRedis(settings)) {
            return response.up().withData("used", false).build();
        }
        try {
            redis.get().execute("PING");
        } catch (RuntimeException e) {
            return response.down().withData("error", String.valueOf(e.getMessage())).build();
        }
        boolean loopsHealthy = true;
        for (WorkerLoop loop : runtime.loops()) {
            if (loop instanceof ReliableQueueLoop) {
                response.withData(loop.subscriber().consumerGroup(), loop.healthy() ? "consuming" : "stalled");
                loopsHealthy &= loop.healthy();
            }
        }
        return response.status(loopsHealthy).build();
    }
}

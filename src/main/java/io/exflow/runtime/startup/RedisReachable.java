package io.exflow.runtime.startup;

import io.exflow.runtime.config.ExflowSettings;
import io.exflow.runtime.health.RedisReadiness;
import io.quarkus.redis.datasource.RedisDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

/** Roles that use Redis (api rate limits, playbook jobs, tool queues) start once it answers. */
@ApplicationScoped
public class RedisReachable implements StartupStep {
    private final ExflowSettings settings;
    private final Instance<RedisDataSource> redis;

    public RedisReachable(ExflowSettings settings, Instance<RedisDataSource> redis) {
        this.settings = settings;
        this.redis = redis;
    }

    @Override
    public String dependency() {
        return "Redis";
    }

    @Override
    public int order() {
        return 30;
    }

    @Override
    public boolean needed() {
        return RedisReadiness.usesRedis(settings);
    }

    @Override
    public void run() {
        redis.get().execute("PING");
    }
}

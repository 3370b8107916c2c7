package io.exflow.runtime.redis;

import io.exflow.runtime.config.ExflowSettings;
import jakarta.enterprise.context.ApplicationScoped;

/** Every Redis key exflow uses goes through here, so REDIS_KEY_PREFIX isolates deployments and test runs. */
@ApplicationScoped
public class RedisKeys {
    private final String prefix;

    public RedisKeys(ExflowSettings settings) {
        this.prefix = settings.redisKeyPrefix();
    }

    public String key(String name) {
        return prefix + name;
    }
}

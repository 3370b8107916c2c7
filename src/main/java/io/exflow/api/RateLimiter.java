package io.exflow.api;

import io.exflow.packs.RateLimit;
import io.exflow.runtime.redis.RedisKeys;
import io.quarkus.redis.datasource.RedisDataSource;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Per-tenant token bucket in Redis ({@code <prefix>exflow:ratelimit:<tenant>}), so the limit
 * holds across every api replica. One Lua script reads, refills (using Redis's clock, not the
 * replicas'), takes a token and writes back atomically. The bucket holds {@code burst} tokens
 * and refills at {@code requestsPerSecond}.
 */
@ApplicationScoped
public class RateLimiter {
    private static final String SCRIPT = """
            local rate = tonumber(ARGV[1])
            local burst = tonumber(ARGV[2])
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local v = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
            local tokens = tonumber(v[1])
            local ts = tonumber(v[2])
            if tokens == nil or ts == nil then tokens = burst; ts = now end
            tokens = math.min(burst, tokens + math.max(0, now - ts) * rate / 1000)
            local wait = 0
            local allowed = 0
            if tokens >= 1 then
              tokens = tokens - 1
              allowed = 1
            else
              wait = math.ceil((1 - tokens) * 1000 / rate)
            end
            redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
            redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
            return {allowed, wait}
            """;

    private final RedisDataSource redis;
    private final RedisKeys keys;

    public RateLimiter(RedisDataSource redis, RedisKeys keys) {
        this.redis = redis;
        this.keys = keys;
    }

    /** Takes one token of the tenant's bucket, or throws 429 with Retry-After (whole seconds, at least 1). */
    public void acquire(String tenantId, RateLimit limit) {
        if (limit == null || limit.requestsPerSecond() <= 0 || limit.burst() <= 0) {
            return; // the pack sets no limit
        }
        Response r = redis.execute("EVAL", SCRIPT, "1", keys.key("exflow:ratelimit:" + tenantId),
                Double.toString(limit.requestsPerSecond()), Integer.toString(limit.burst()));
        if (r.get(0).toLong() == 1) {
            return;
        }
        long waitMillis = r.get(1).toLong();
        long seconds = Math.max(1, (waitMillis + 999) / 1000);
        throw new ProblemException(Problem.of(429, "rate-limited", "Too Many Requests",
                "the tenant's submission rate limit (" + limit.requestsPerSecond() + "/s, burst " + limit.burst()
                        + ") is exhausted"),
                java.util.Map.of("Retry-After", Long.toString(seconds)));
    }
}

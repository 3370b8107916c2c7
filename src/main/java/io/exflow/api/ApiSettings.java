package io.exflow.api;

import java.time.Duration;

import org.eclipse.microprofile.config.Config;

import io.exflow.runtime.config.InvalidConfigException;

/**
 * Settings of the api role, validated like every exflow setting: a bad value names its variable.
 *
 * @param maxBodyBytes          largest accepted request body (API_MAX_BODY_BYTES)
 * @param maxJsonDepth          deepest accepted JSON nesting (API_MAX_JSON_DEPTH)
 * @param idempotencyRetention  how long an Idempotency-Key is remembered (API_IDEMPOTENCY_RETENTION)
 */
public record ApiSettings(int maxBodyBytes, int maxJsonDepth, Duration idempotencyRetention) {

    static ApiSettings load(Config config) {
        return new ApiSettings(
                intIn(config, "exflow.api.max-body-bytes", "API_MAX_BODY_BYTES", 256, 16 * 1024 * 1024),
                intIn(config, "exflow.api.max-json-depth", "API_MAX_JSON_DEPTH", 2, 256),
                duration(config, "exflow.api.idempotency-retention", "API_IDEMPOTENCY_RETENTION"));
    }

    private static int intIn(Config config, String key, String variable, int min, int max) {
        String raw = config.getOptionalValue(key, String.class).orElse("").trim();
        int value;
        try {
            value = Integer.parseInt(raw);
        } catch (NumberFormatException e) {
            throw new InvalidConfigException(variable, "must be an integer, was '" + raw + "'");
        }
        if (value < min || value > max) {
            throw new InvalidConfigException(variable, "must be between " + min + " and " + max + ", was " + value);
        }
        return value;
    }

    private static Duration duration(Config config, String key, String variable) {
        String raw = config.getOptionalValue(key, String.class).orElse("").trim();
        try {
            Duration d = Duration.parse(raw);
            if (d.isNegative() || d.isZero()) {
                throw new InvalidConfigException(variable, "must be positive, was '" + raw + "'");
            }
            return d;
        } catch (java.time.format.DateTimeParseException e) {
            throw new InvalidConfigException(variable, "must be an ISO-8601 duration such as P1D, was '" + raw + "'");
        }
    }
}

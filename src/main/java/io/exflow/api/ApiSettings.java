package io.exflow.api;

import java.time.Duration;
import java.util.Locale;

import org.eclipse.microprofile.config.Config;

import io.exflow.runtime.config.InvalidConfigException;

/**
 * Settings of the api role, validated like every exflow setting: a bad value names its variable.
 * The token checks themselves (key, issuer, audience, age, skew, JWKS refresh) are smallrye-jwt's
 * {@code mp.jwt.*} / {@code smallrye.jwt.*} properties; their numbers are checked here so a typo
 * stops start-up naming the variable instead of failing the first request.
 *
 * @param maxBodyBytes          largest accepted request body (API_MAX_BODY_BYTES)
 * @param maxJsonDepth          deepest accepted JSON nesting (API_MAX_JSON_DEPTH)
 * @param idempotencyRetention  how long an Idempotency-Key is remembered (API_IDEMPOTENCY_RETENTION)
 * @param claimMapping          tenants and roles from token claims (AUTH_TENANTS_CLAIM, AUTH_ROLES_CLAIM,
 *                              AUTH_TENANT_ROLE_PREFIX)
 * @param allowInsecureDevKey   start outside dev/test although the token key is the committed dev key
 *                              (EXFLOW_ALLOW_INSECURE_DEV_KEY)
 */
public record ApiSettings(int maxBodyBytes, int maxJsonDepth, Duration idempotencyRetention, ClaimMapping claimMapping,
        boolean allowInsecureDevKey) {

    static ApiSettings load(Config config) {
        intIn(config, "mp.jwt.verify.clock.skew", "JWT_CLOCK_SKEW", 0, 3600);
        if (!raw(config, "mp.jwt.verify.token.age").isEmpty()) {
            intIn(config, "mp.jwt.verify.token.age", "JWT_MAX_TOKEN_AGE", 1, Integer.MAX_VALUE);
        }
        intIn(config, "smallrye.jwt.jwks.refresh-interval", "JWKS_REFRESH_MINUTES", 1, 24 * 60);
        intIn(config, "smallrye.jwt.jwks.forced-refresh-interval", "JWKS_FORCED_REFRESH_MINUTES", 0, 24 * 60);
        ClaimMapping mapping = new ClaimMapping(
                claimName(config, "exflow.api.auth.tenants-claim", "AUTH_TENANTS_CLAIM"),
                claimName(config, "exflow.api.auth.roles-claim", "AUTH_ROLES_CLAIM"),
                raw(config, "exflow.api.auth.tenant-role-prefix"));
        return new ApiSettings(
                intIn(config, "exflow.api.max-body-bytes", "API_MAX_BODY_BYTES", 256, 16 * 1024 * 1024),
                intIn(config, "exflow.api.max-json-depth", "API_MAX_JSON_DEPTH", 2, 256),
                duration(config, "exflow.api.idempotency-retention", "API_IDEMPOTENCY_RETENTION"),
                mapping,
                bool(config, "exflow.api.allow-insecure-dev-key", "EXFLOW_ALLOW_INSECURE_DEV_KEY"));
    }

    private static String raw(Config config, String key) {
        return config.getOptionalValue(key, String.class).orElse("").trim();
    }

    private static String claimName(Config config, String key, String variable) {
        String name = raw(config, key);
        if (!name.matches("[A-Za-z0-9_:/-]+(\\.[A-Za-z0-9_:/-]+)*")) {
            throw new InvalidConfigException(variable, "must be a claim name or a dotted path such as "
                    + "realm_access.roles, was '" + name + "'");
        }
        return name;
    }

    private static boolean bool(Config config, String key, String variable) {
        String value = raw(config, key).toLowerCase(Locale.ROOT);
        if (!value.equals("true") && !value.equals("false")) {
            throw new InvalidConfigException(variable, "must be true or false, was '" + value + "'");
        }
        return value.equals("true");
    }

    private static int intIn(Config config, String key, String variable, int min, int max) {
        String raw = raw(config, key);
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
        String raw = raw(config, key);
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

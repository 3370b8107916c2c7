package io.exflow.api;

import java.time.Duration;

import org.eclipse.microprofile.config.Config;

import io.exflow.runtime.config.SettingsReader;

/**
 * Settings of the api role (and its console), read like every exflow setting through
 * {@link SettingsReader}: every bad value is reported at once, naming its variable. The token
 * checks themselves (key, issuer, audience, age, skew, JWKS refresh) are smallrye-jwt's
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
 * @param publicKeyLocation     where the token key is read from (JWT_PUBLIC_KEY_LOCATION)
 * @param consoleTokenLogin     serve the console's token login page (CONSOLE_TOKEN_LOGIN)
 */
public record ApiSettings(int maxBodyBytes, int maxJsonDepth, Duration idempotencyRetention, ClaimMapping claimMapping,
        boolean allowInsecureDevKey, String publicKeyLocation, boolean consoleTokenLogin) {

    private static final String CLAIM_PATH = "[A-Za-z0-9_:/-]+(\\.[A-Za-z0-9_:/-]+)*";
    private static final String CLAIM_PATH_RULE = "must be a claim name or a dotted path such as realm_access.roles";

    static ApiSettings load(Config config) {
        SettingsReader r = new SettingsReader(config);
        r.intIn("mp.jwt.verify.clock.skew", "JWT_CLOCK_SKEW", 0, 3600);
        if (!r.string("mp.jwt.verify.token.age").isEmpty()) {
            r.intIn("mp.jwt.verify.token.age", "JWT_MAX_TOKEN_AGE", 1, Integer.MAX_VALUE);
        }
        r.intIn("smallrye.jwt.jwks.refresh-interval", "JWKS_REFRESH_MINUTES", 1, 24 * 60);
        r.intIn("smallrye.jwt.jwks.forced-refresh-interval", "JWKS_FORCED_REFRESH_MINUTES", 0, 24 * 60);
        ClaimMapping mapping = new ClaimMapping(
                r.matching("exflow.api.auth.tenants-claim", "AUTH_TENANTS_CLAIM", CLAIM_PATH, CLAIM_PATH_RULE),
                r.matching("exflow.api.auth.roles-claim", "AUTH_ROLES_CLAIM", CLAIM_PATH, CLAIM_PATH_RULE),
                r.string("exflow.api.auth.tenant-role-prefix"));
        ApiSettings settings = new ApiSettings(
                r.intIn("exflow.api.max-body-bytes", "API_MAX_BODY_BYTES", 256, 16 * 1024 * 1024),
                r.intIn("exflow.api.max-json-depth", "API_MAX_JSON_DEPTH", 2, 256),
                r.duration("exflow.api.idempotency-retention", "API_IDEMPOTENCY_RETENTION"),
                mapping,
                r.bool("exflow.api.allow-insecure-dev-key", "EXFLOW_ALLOW_INSECURE_DEV_KEY"),
                r.string("mp.jwt.verify.publickey.location"),
                r.bool("exflow.console.token-login", "CONSOLE_TOKEN_LOGIN"));
        r.failIfProblems();
        return settings;
    }
}

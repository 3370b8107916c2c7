package io.exflow.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.exflow.runtime.config.TestConfig;

/** The api's settings are read like the others: both duration syntaxes, every bad value at once. */
class ApiSettingsTest {

    @Test
    void defaults() {
        ApiSettings s = ApiSettings.load(TestConfig.withEnv(Map.of()));
        assertThat(s.maxBodyBytes()).isEqualTo(65536);
        assertThat(s.idempotencyRetention()).isEqualTo(Duration.ofDays(1));
        assertThat(s.claimMapping().rolesClaim()).isEqualTo("groups");
    }

    @Test
    void retentionTakesBothSyntaxes() {
        assertThat(ApiSettings.load(TestConfig.withEnv(Map.of("API_IDEMPOTENCY_RETENTION", "12h"))).idempotencyRetention())
                .isEqualTo(Duration.ofHours(12));
        assertThat(ApiSettings.load(TestConfig.withEnv(Map.of("API_IDEMPOTENCY_RETENTION", "PT12H"))).idempotencyRetention())
                .isEqualTo(Duration.ofHours(12));
    }

    @Test
    void everyBadValueIsReportedAtOnceNamingItsVariable() {
        assertThatThrownBy(() -> ApiSettings.load(TestConfig.withEnv(Map.of("API_MAX_JSON_DEPTH", "1",
                "API_IDEMPOTENCY_RETENTION", "a day", "AUTH_ROLES_CLAIM", "realm access", "JWT_CLOCK_SKEW", "-1",
                "CONSOLE_TOKEN_LOGIN", "maybe"))))
                .hasMessageStartingWith("exflow cannot start:")
                .hasMessageContaining("API_MAX_JSON_DEPTH must be between 2 and 256, was 1")
                .hasMessageContaining("API_IDEMPOTENCY_RETENTION must be a duration such as")
                .hasMessageContaining("AUTH_ROLES_CLAIM must be a claim name or a dotted path")
                .hasMessageContaining("JWT_CLOCK_SKEW must be between 0 and 3600, was -1")
                .hasMessageContaining("CONSOLE_TOKEN_LOGIN must be true or false, was 'maybe'");
    }
}

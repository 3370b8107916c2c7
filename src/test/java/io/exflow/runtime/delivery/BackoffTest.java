package io.exflow.runtime.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class BackoffTest {
    @Test
    void growsExponentiallyWithJitterAndIsCapped() {
        Duration initial = Duration.ofSeconds(1);
        Duration max = Duration.ofSeconds(30);
        for (int i = 0; i < 200; i++) {
            assertThat(Backoff.delay(1, initial, max)).isBetween(Duration.ofMillis(500), Duration.ofSeconds(1));
            assertThat(Backoff.delay(3, initial, max)).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(4));
            assertThat(Backoff.delay(40, initial, max)).isBetween(Duration.ofSeconds(15), max);
        }
    }
}

package io.exflow.runtime.delivery;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Exponential backoff with jitter: half the step fixed, half random, so retries spread out. */
public final class Backoff {
    private Backoff() {
    }

    /** Delay before attempt {@code failedAttempts + 1}. */
    public static Duration delay(int failedAttempts, Duration initial, Duration max) {
        int exponent = Math.min(Math.max(failedAttempts - 1, 0), 30);
        long step = Math.min(max.toMillis(), initial.toMillis() * (1L << exponent));
        long half = step / 2;
        return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(half + 1));
    }
}

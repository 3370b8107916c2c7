package io.exflow.runtime;

import java.time.Duration;

/**
 * How long a loop waits after a failure before trying again: 200 ms, doubling to 15 s, back to
 * 200 ms after a success. One per loop thread (not thread-safe).
 */
public final class Pause {
    private static final Duration FIRST = Duration.ofMillis(200);
    private static final Duration LONGEST = Duration.ofSeconds(15);

    private final Duration first;
    private final Duration longest;
    private Duration next;

    public Pause() {
        this(FIRST, LONGEST);
    }

    public Pause(Duration first, Duration longest) {
        this.first = first;
        this.longest = longest;
        this.next = first;
    }

    /** The pause to take now; the one after it is twice as long (at most the longest, 15 s by default). */
    public Duration take() {
        Duration now = next;
        Duration doubled = next.multipliedBy(2);
        next = doubled.compareTo(longest) > 0 ? longest : doubled;
        return now;
    }

    public void reset() {
        next = first;
    }
}

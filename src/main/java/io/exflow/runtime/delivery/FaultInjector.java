package io.exflow.runtime.delivery;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Crash points for the reliability tests: armed by a test, a point throws {@link Crash} the
 * next N times it is reached, which the runtime treats like the process dying there (no
 * publish, no offset commit). Unarmed it costs one map lookup.
 */
@ApplicationScoped
public class FaultInjector {
    public enum Point {
        /** After the batch transaction committed, before the outbox relay publishes and offsets commit. */
        AFTER_COMMIT_BEFORE_PUBLISH
    }

    public static final class Crash extends RuntimeException {
        Crash(Point point) {
            super("injected crash at " + point, null, false, false);
        }
    }

    private final Map<Point, AtomicInteger> armed = new ConcurrentHashMap<>();

    public void arm(Point point, int times) {
        armed.put(point, new AtomicInteger(times));
    }

    public void disarmAll() {
        armed.clear();
    }

    public void hit(Point point) {
        AtomicInteger remaining = armed.get(point);
        if (remaining != null && remaining.getAndDecrement() > 0) {
            throw new Crash(point);
        }
    }
}

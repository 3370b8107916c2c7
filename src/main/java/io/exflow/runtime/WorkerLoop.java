package io.exflow.runtime;

import java.time.Duration;

import io.exflow.runtime.delivery.Subscriber;

/** A subscriber's source of records (a Kafka consumer or a Redis queue), run on its own thread. */
public interface WorkerLoop extends Runnable {

    Subscriber subscriber();

    /** Stops taking work, finishes or returns what is in hand; waits up to {@code timeout}. */
    boolean stop(Duration timeout);

    /** Connected and not stalled. */
    boolean healthy();
}

package io.exflow.runtime.startup;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;

import org.jboss.logging.Logger;

import io.exflow.runtime.Pause;
import io.quarkus.runtime.Quarkus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;

/**
 * Runs the {@link StartupStep}s before the roles start. The first try happens during Quarkus'
 * start-up, so with every dependency up nothing changes (the schema is migrated before the
 * application reports started). If a dependency does not answer, the process stays up —
 * startup and readiness checks DOWN, naming what it waits for — and a thread of its own tries
 * again after 0.5 s, doubling to at most {@link #LONGEST}, with one log line per attempt (no
 * stack trace), until every step has succeeded; then the roles start.
 */
@ApplicationScoped
public class DependencyWait {
    private static final Logger LOG = Logger.getLogger(DependencyWait.class);
    static final Duration FIRST = Duration.ofMillis(500);
    /** Cap of the pause between attempts: a dependency back after an outage is used within this. */
    static final Duration LONGEST = Duration.ofSeconds(5);

    private final List<StartupStep> steps;
    private int done;
    private volatile String waitingFor;
    private volatile boolean cancelled;

    @jakarta.inject.Inject
    public DependencyWait(@Any Instance<StartupStep> steps) {
        this(steps.stream().toList());
    }

    DependencyWait(List<StartupStep> steps) {
        this.steps = steps.stream().filter(StartupStep::needed).sorted(Comparator.comparingInt(StartupStep::order)).toList();
        this.waitingFor = this.steps.isEmpty() ? null : this.steps.get(0).dependency();
    }

    /** The dependency start-up waits for, or null once every step succeeded. */
    public String waitingFor() {
        return waitingFor;
    }

    /** Runs the steps, now or (if a dependency is missing) on a thread that retries, then {@code onReady}. */
    public void runThen(Runnable onReady) {
        Exception failure = attempt();
        if (failure == null) {
            onReady.run();
            return;
        }
        LOG.warnf("waiting for %s before starting (startup and readiness stay DOWN; retrying every %d s at most): %s",
                waitingFor, LONGEST.toSeconds(), reason(failure));
        Thread waiter = new Thread(() -> retryThen(onReady), "exflow-startup");
        waiter.setDaemon(true);
        waiter.start();
    }

    /** Stops waiting (the process is shutting down before its dependencies appeared). */
    public void cancel() {
        cancelled = true;
    }

    private void retryThen(Runnable onReady) {
        long began = System.nanoTime();
        Pause pause = new Pause(FIRST, LONGEST);
        for (int attempt = 2; !cancelled; attempt++) {
            try {
                Thread.sleep(pause.take().toMillis());
            } catch (InterruptedException e) {
                return;
            }
            String before = waitingFor;
            Exception failure = attempt();
            double waited = (System.nanoTime() - began) / 1e9;
            if (failure == null) {
                LOG.infof("dependencies answered after %.1f s of waiting (%d attempts); starting", waited, attempt);
                try {
                    onReady.run();
                } catch (RuntimeException e) {
                    LOG.error("start-up failed after the dependencies answered", e);
                    Quarkus.asyncExit(1);
                }
                return;
            }
            if (!waitingFor.equals(before)) {
                LOG.infof("%s answered; now waiting for %s", before, waitingFor);
            }
            LOG.warnf("still waiting for %s (attempt %d, %.0f s so far): %s", waitingFor, attempt, waited, reason(failure));
        }
    }

    /** One pass over the steps not yet done, in order; the first failure, or null when all are done. */
    private synchronized Exception attempt() {
        while (done < steps.size()) {
            StartupStep step = steps.get(done);
            waitingFor = step.dependency();
            try {
                step.run();
            } catch (Exception e) {
                LOG.debugf(e, "start-up step for %s failed", step.dependency());
                return e;
            }
            done++;
        }
        waitingFor = null;
        return null;
    }

    /** The failure in one line: the first message in its chain, up to its first line break. */
    static String reason(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String message = t.getMessage();
            if (message != null && !message.isBlank()) {
                String line = message.strip().lines().findFirst().orElse(message).strip();
                return (line.length() > 300 ? line.substring(0, 300) + "…" : line) + " (" + t.getClass().getSimpleName() + ")";
            }
        }
        return failure.getClass().getName();
    }
}

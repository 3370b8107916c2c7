package io.exflow.runtime.startup;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class DependencyWaitTest {

    /** A step whose dependency answers after {@code failures} refused attempts. */
    static final class Step implements StartupStep {
        final String dependency;
        final int order;
        final int failures;
        final boolean needed;
        final List<String> log;
        final AtomicInteger attempts = new AtomicInteger();

        Step(String dependency, int order, int failures, boolean needed, List<String> log) {
            this.dependency = dependency;
            this.order = order;
            this.failures = failures;
            this.needed = needed;
            this.log = log;
        }

        @Override
        public String dependency() {
            return dependency;
        }

        @Override
        public int order() {
            return order;
        }

        @Override
        public boolean needed() {
            return needed;
        }

        @Override
        public void run() throws Exception {
            if (attempts.incrementAndGet() <= failures) {
                throw new IllegalStateException(dependency + " unreachable\nsecond line", new ConnectException("Connection refused"));
            }
            log.add(dependency);
        }
    }

    @Test
    void everythingUpRunsTheStepsInOrderBeforeReturning() {
        List<String> log = new CopyOnWriteArrayList<>();
        DependencyWait wait = new DependencyWait(List.of(new Step("kafka", 20, 0, true, log), new Step("pg", 0, 0, true, log),
                new Step("redis", 30, 0, false, log)));
        wait.runThen(() -> log.add("started"));
        assertThat(log).containsExactly("pg", "kafka", "started");
        assertThat(wait.waitingFor()).isNull();
    }

    @Test
    void aMissingDependencyIsWaitedForWithoutRedoingTheStepsBeforeIt() throws InterruptedException {
        List<String> log = new CopyOnWriteArrayList<>();
        Step pg = new Step("pg", 0, 0, true, log);
        Step kafka = new Step("kafka", 20, 2, true, log);
        DependencyWait wait = new DependencyWait(List.of(pg, kafka));
        CountDownLatch started = new CountDownLatch(1);
        wait.runThen(started::countDown);
        assertThat(started.getCount()).as("not started while kafka is missing").isEqualTo(1);
        assertThat(wait.waitingFor()).isEqualTo("kafka");
        assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(log).containsExactly("pg", "kafka");
        assertThat(pg.attempts).hasValue(1);
        assertThat(kafka.attempts).hasValue(3);
        assertThat(wait.waitingFor()).isNull();
    }

    @Test
    void theReasonIsOneLineNamingTheFailure() {
        assertThat(DependencyWait.reason(new IllegalStateException("broker unreachable\n  at detail", new ConnectException("refused"))))
                .isEqualTo("broker unreachable (IllegalStateException)");
        assertThat(DependencyWait.reason(new RuntimeException(new ConnectException("Connection refused"))))
                .startsWith("java.net.ConnectException: Connection refused");
    }
}

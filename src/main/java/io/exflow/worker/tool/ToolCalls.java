package io.exflow.worker.tool;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

import io.exflow.packs.ToolDef;
import io.exflow.runtime.config.ExflowSettings;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Runs a batch's tool calls concurrently — tools are I/O-bound, so one call per thread would
 * leave the worker idle — on virtual threads, at most TOOL_MAX_CONCURRENT_CALLS at once in this
 * process and at most a tool's {@code maxConcurrency} for that tool.
 */
@ApplicationScoped
public class ToolCalls {
    private final Semaphore process;
    private final Map<String, Semaphore> perTool = new ConcurrentHashMap<>();
    private final ExecutorService threads = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("exflow-tool-call-", 0).factory());

    public ToolCalls(ExflowSettings settings) {
        this.process = new Semaphore(settings.toolMaxConcurrentCalls());
    }

    /** One call to make: the tool and what calling it does. */
    public record Call<K>(K key, ToolDef tool, Supplier<ToolOutcome> run) {
    }

    /** A finished call: its outcome and how long it took. */
    public record Done(ToolOutcome outcome, long tookMs) {
    }

    /** Makes the calls concurrently and returns when all are done, in the order given. */
    public <K> Map<K, Done> runAll(List<Call<K>> calls) {
        List<Future<Done>> running = new ArrayList<>(calls.size());
        for (Call<K> call : calls) {
            running.add(threads.submit(() -> callWithinLimits(call)));
        }
        Map<K, Done> done = new LinkedHashMap<>();
        for (int i = 0; i < calls.size(); i++) {
            done.put(calls.get(i).key(), outcomeOf(running.get(i)));
        }
        return done;
    }

    private Done callWithinLimits(Call<?> call) throws InterruptedException {
        Semaphore toolLimit = call.tool().maxConcurrency() == null ? null
                : perTool.computeIfAbsent(call.tool().name(), name -> new Semaphore(call.tool().maxConcurrency()));
        process.acquire();
        try {
            if (toolLimit != null) {
                toolLimit.acquire();
            }
            try {
                long started = System.nanoTime();
                ToolOutcome outcome = call.run().get();
                return new Done(outcome, (System.nanoTime() - started) / 1_000_000);
            } finally {
                if (toolLimit != null) {
                    toolLimit.release();
                }
            }
        } finally {
            process.release();
        }
    }

    /** A call that threw is a failed attempt (its claim is already committed: it is never run again). */
    private static Done outcomeOf(Future<Done> call) {
        try {
            return call.get();
        } catch (ExecutionException e) {
            return new Done(ToolOutcome.failure("tool call failed: " + e.getCause()), 0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Done(ToolOutcome.failure("interrupted"), 0);
        }
    }

    @PreDestroy
    void close() {
        threads.shutdownNow();
    }
}

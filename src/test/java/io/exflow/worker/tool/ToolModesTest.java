package io.exflow.worker.tool;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

import io.exflow.domain.events.ToolJob;
import io.exflow.packs.SimulateProfile;
import io.exflow.packs.ToolDef;
import io.exflow.packs.ToolMode;

/** Both tool modes; the HTTP endpoint is a stand-in for an external tool, on loopback. */
class ToolModesTest {
    final ObjectMapper mapper = new ObjectMapper();
    HttpServer server;
    final List<String> idempotencyKeys = new CopyOnWriteArrayList<>();
    volatile int status = 200;
    volatile long delayMs;

    @BeforeEach
    void startEndpoint() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/tool", exchange -> {
            idempotencyKeys.add(exchange.getRequestHeaders().getFirst("Idempotency-Key"));
            try {
                Thread.sleep(delayMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = "{\"matched\":true}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stopEndpoint() {
        server.stop(0);
    }

    ToolDef httpTool(int timeoutMs) {
        return new ToolDef("payments.match", "test", ToolMode.HTTP,
                "http://127.0.0.1:" + server.getAddress().getPort() + "/tool", timeoutMs, null, null);
    }

    ToolJob job(int attempt) {
        return new ToolJob(UUID.randomUUID().toString(), "pb", 0, "match", "payments.match", attempt, Map.of("k", "v"));
    }

    @Test
    void httpSuccessCarriesTheBodyAndAnIdempotencyKeyPerAttempt() {
        ToolJob job = job(1);
        ToolOutcome outcome = HttpTool.run(job, httpTool(2000), UUID.randomUUID(), "acme-bank", mapper);
        assertThat(outcome.succeeded()).isTrue();
        assertThat(outcome.output().get("matched").asBoolean()).isTrue();
        assertThat(idempotencyKeys).containsExactly(job.jobId());
    }

    @Test
    void httpErrorsAndTimeoutsAreFailedAttempts() {
        status = 503;
        assertThat(HttpTool.run(job(1), httpTool(2000), UUID.randomUUID(), "acme-bank", mapper).error()).contains("HTTP 503");
        status = 200;
        delayMs = 1500;
        ToolOutcome slow = HttpTool.run(job(2), httpTool(300), UUID.randomUUID(), "acme-bank", mapper);
        assertThat(slow.succeeded()).isFalse();
        assertThat(slow.error()).contains("timed out after 300 ms");
    }

    @Test
    void simulateIsDeterministicUnderASeedAndFollowsTheFailureRate() {
        SimulateProfile profile = new SimulateProfile(0, 0.3);
        int failures = 0;
        for (int i = 0; i < 2000; i++) {
            ToolJob job = new ToolJob("job-" + i, "pb", 0, "s", "t", 1, Map.of());
            boolean first = SimulatedTool.run(job, profile, 7).succeeded();
            assertThat(SimulatedTool.run(job, profile, 7).succeeded()).isEqualTo(first);
            failures += first ? 0 : 1;
        }
        assertThat(failures).isBetween(500, 700);
        assertThat(SimulatedTool.run(job(1), new SimulateProfile(0, 1.0), 7).succeeded()).isFalse();
        assertThat(SimulatedTool.run(job(1), new SimulateProfile(0, 0.0), 7).succeeded()).isTrue();
    }
}

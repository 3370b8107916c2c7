package io.exflow.worker.tool;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.exflow.domain.events.ToolJob;
import io.exflow.packs.ToolDef;
import io.exflow.runtime.tracing.Tracing;

/**
 * http mode: POSTs the job to the tool's endpoint with an {@code Idempotency-Key} (the job id,
 * unique per attempt) and the tool's timeout. 2xx is success (the JSON body is the output);
 * anything else, or a timeout, is a failed attempt the playbook may retry. The request carries
 * the current trace context ({@code traceparent}, W3C Trace Context) when there is one.
 */
final class HttpTool {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpTool() {
    }

    static ToolOutcome run(ToolJob job, ToolDef tool, UUID exceptionId, String tenantId, ObjectMapper mapper) {
        int timeoutMs = tool.timeoutMs() > 0 ? tool.timeoutMs() : 10_000;
        try {
            String body = mapper.writeValueAsString(Map.of("jobId", job.jobId(), "exceptionId", exceptionId.toString(),
                    "tenantId", tenantId, "tool", job.tool(), "step", job.stepName(), "attempt", job.attempt(),
                    "params", job.params() == null ? Map.of() : job.params()));
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(tool.endpoint()))
                    .timeout(Duration.ofMillis(timeoutMs))
                    .header("Content-Type", "application/json")
                    .header("Idempotency-Key", job.jobId())
                    .POST(HttpRequest.BodyPublishers.ofString(body));
            Tracing.injectCurrent(request::header);
            HttpResponse<String> response = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                return ToolOutcome.failure("HTTP " + response.statusCode() + " from " + tool.name());
            }
            JsonNode output = response.body().isBlank() ? mapper.nullNode() : mapper.readTree(response.body());
            return ToolOutcome.success(output);
        } catch (java.net.http.HttpTimeoutException e) {
            return ToolOutcome.failure("timed out after " + timeoutMs + " ms calling " + tool.name());
        } catch (java.io.IOException e) {
            return ToolOutcome.failure("could not call " + tool.name() + ": " + e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ToolOutcome.failure("interrupted");
        }
    }
}

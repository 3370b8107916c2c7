package io.exflow.worker.tool;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import io.exflow.domain.events.ToolJob;
import io.exflow.packs.SimulateProfile;

/**
 * simulate mode: waits the profile's latency and fails with the profile's failure rate. The
 * draw is a hash of the seed and the job id, so a given job fails or succeeds the same way on
 * every run and every worker.
 */
final class SimulatedTool {
    private SimulatedTool() {
    }

    static ToolOutcome run(ToolJob job, SimulateProfile profile, long seed) {
        int latency = profile == null ? 0 : profile.latencyMs();
        double failureRate = profile == null ? 0 : profile.failureRate();
        if (latency > 0) {
            try {
                Thread.sleep(latency);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return ToolOutcome.failure("interrupted");
            }
        }
        if (draw(seed, job.jobId()) < failureRate) {
            return ToolOutcome.failure("simulated failure of " + job.tool());
        }
        return ToolOutcome.success(JsonNodeFactory.instance.objectNode().put("simulated", true).put("tool", job.tool())
                .put("attempt", job.attempt()));
    }

    /** Uniform in [0, 1) for a (seed, job) pair. */
    static double draw(long seed, String jobId) {
        CRC32 crc = new CRC32();
        crc.update((seed + ":" + jobId).getBytes(StandardCharsets.UTF_8));
        return (crc.getValue() % 1_000_000) / 1_000_000.0;
    }
}

package io.exflow.worker.tool;

import java.sql.PreparedStatement;
import java.util.UUID;

import javax.sql.DataSource;

import io.exflow.domain.events.ToolJob;
import io.exflow.runtime.delivery.Jdbc;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The tool_execution rows. A job attempt is claimed in its own, immediately committed
 * transaction before the tool runs, so if the worker dies mid-call the returned job finds the
 * claim and reports the attempt as interrupted instead of running the tool a second time.
 */
@ApplicationScoped
public class ToolExecutions {
    private final DataSource dataSource;

    public ToolExecutions(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** @return true if this worker may run the attempt; false if some worker already started it */
    public boolean claim(ToolJob job, UUID exceptionId, String tenantId, String worker) {
        return QuarkusTransaction.requiringNew().call(() -> Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO tool_execution (job_id, exception_id, tenant_id, "
                    + "tool, attempt, worker, status) VALUES (?, ?, ?, ?, ?, ?, 'STARTED') ON CONFLICT DO NOTHING")) {
                ps.setObject(1, UUID.fromString(job.jobId()));
                ps.setObject(2, exceptionId);
                ps.setString(3, tenantId);
                ps.setString(4, job.tool());
                ps.setInt(5, job.attempt());
                ps.setString(6, worker);
                return ps.executeUpdate() == 1;
            }
        }));
    }

    /** An attempt's row as recorded: STARTED (its worker may have died mid-call) or finished. */
    public record Recorded(String status, String outputJson, String error) {
        public boolean finished() {
            return !"STARTED".equals(status);
        }
    }

    public java.util.Optional<Recorded> find(String jobId) {
        return Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT status, output::text, error FROM tool_execution WHERE job_id = ?")) {
                ps.setObject(1, UUID.fromString(jobId));
                try (java.sql.ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? java.util.Optional.of(new Recorded(rs.getString(1), rs.getString(2), rs.getString(3)))
                            : java.util.Optional.<Recorded>empty();
                }
            }
        });
    }

    /** Records the outcome in the caller's transaction (the one that emits the result). */
    public void finish(String jobId, String status, String outputJson, String error) {
        Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE tool_execution SET status = ?, output = ?::jsonb, "
                    + "error = ?, finished_at = now() WHERE job_id = ?")) {
                ps.setString(1, status);
                ps.setString(2, outputJson);
                ps.setString(3, error);
                ps.setObject(4, UUID.fromString(jobId));
                return ps.executeUpdate();
            }
        });
    }
}

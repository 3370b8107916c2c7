package io.exflow.worker.tool;

import java.sql.PreparedStatement;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import javax.sql.DataSource;

import io.exflow.domain.events.ToolJob;
import io.exflow.runtime.delivery.Jdbc;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The tool_execution rows. Job attempts are claimed in their own, immediately committed
 * transaction before the tools run, so if the worker dies mid-call the returned job finds the
 * claim and reports the attempt as interrupted instead of running the tool a second time.
 */
@ApplicationScoped
public class ToolExecutions {
    private final DataSource dataSource;
    private final jakarta.transaction.TransactionSynchronizationRegistry transactions;

    public ToolExecutions(DataSource dataSource, jakarta.transaction.TransactionSynchronizationRegistry transactions) {
        this.dataSource = dataSource;
        this.transactions = transactions;
    }

    /** A job attempt to claim, with the exception and tenant it belongs to. */
    public record Claim(ToolJob job, UUID exceptionId, String tenantId) {
    }

    /**
     * Claims the attempts with one statement in one transaction, committed before any of them runs.
     *
     * @return the job ids this worker may run; the others were already started by some worker
     */
    public Set<String> claimAll(List<Claim> claims, String worker) {
        if (claims.isEmpty()) {
            return Set.of();
        }
        List<Claim> sorted = claims.stream().sorted(java.util.Comparator.comparing(c -> c.job().jobId())).toList();
        return QuarkusTransaction.requiringNew().call(() -> Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO tool_execution (job_id, exception_id, tenant_id, "
                    + "tool, attempt, worker, status) SELECT j, e, t, tl, a, ?, 'STARTED' "
                    + "FROM unnest(?::uuid[], ?::uuid[], ?::text[], ?::text[], ?::int[]) AS x (j, e, t, tl, a) "
                    + "ON CONFLICT DO NOTHING RETURNING job_id")) {
                ps.setString(1, worker);
                ps.setArray(2, c.createArrayOf("uuid", sorted.stream().map(x -> UUID.fromString(x.job().jobId())).toArray()));
                ps.setArray(3, c.createArrayOf("uuid", sorted.stream().map(Claim::exceptionId).toArray()));
                ps.setArray(4, c.createArrayOf("text", sorted.stream().map(Claim::tenantId).toArray()));
                ps.setArray(5, c.createArrayOf("text", sorted.stream().map(x -> x.job().tool()).toArray()));
                ps.setArray(6, c.createArrayOf("int4", sorted.stream().map(x -> x.job().attempt()).toArray()));
                Set<String> claimed = new HashSet<>();
                try (java.sql.ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        claimed.add(rs.getObject(1, UUID.class).toString());
                    }
                }
                return claimed;
            }
        }));
    }

    /** An attempt's row as recorded: STARTED (its worker may have died mid-call) or finished. */
    public record Recorded(String status, String outputJson, String error) {
        public boolean finished() {
            return !"STARTED".equals(status);
        }
    }

    /** The attempt as recorded, including an outcome this transaction recorded but has not written yet. */
    public java.util.Optional<Recorded> find(String jobId) {
        Finished held = held().get(jobId);
        if (held != null) {
            return java.util.Optional.of(new Recorded(held.status(), held.outputJson(), held.error()));
        }
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

    private record Finished(String status, String outputJson, String error) {
    }

    /**
     * Records the outcome in the caller's transaction (the one that emits the result). The
     * outcomes of a batch are written together, with one UPDATE, just before it commits.
     */
    public void finish(String jobId, String status, String outputJson, String error) {
        held().put(jobId, new Finished(status, outputJson, error));
    }

    /** This transaction's outcomes not yet written; the first call registers the write before commit. */
    @SuppressWarnings("unchecked")
    private java.util.Map<String, Finished> held() {
        java.util.Map<String, Finished> held = (java.util.Map<String, Finished>) transactions.getResource(ToolExecutions.class);
        if (held == null) {
            java.util.Map<String, Finished> fresh = new java.util.LinkedHashMap<>();
            transactions.putResource(ToolExecutions.class, fresh);
            transactions.registerInterposedSynchronization(new jakarta.transaction.Synchronization() {
                @Override
                public void beforeCompletion() {
                    writeAll(fresh);
                }

                @Override
                public void afterCompletion(int status) {
                }
            });
            held = fresh;
        }
        return held;
    }

    private void writeAll(java.util.Map<String, Finished> finished) {
        if (finished.isEmpty()) {
            return;
        }
        Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE tool_execution t SET status = x.s, output = x.o::jsonb, "
                    + "error = x.e, finished_at = now() FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[]) AS x (j, s, o, e) "
                    + "WHERE t.job_id = x.j")) {
                ps.setArray(1, c.createArrayOf("uuid", finished.keySet().stream().map(UUID::fromString).toArray()));
                ps.setArray(2, c.createArrayOf("text", finished.values().stream().map(Finished::status).toArray()));
                ps.setArray(3, c.createArrayOf("text", finished.values().stream().map(Finished::outputJson).toArray()));
                ps.setArray(4, c.createArrayOf("text", finished.values().stream().map(Finished::error).toArray()));
                return ps.executeUpdate();
            }
        });
    }
}

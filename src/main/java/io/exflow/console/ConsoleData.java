package io.exflow.console;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import io.exflow.runtime.delivery.Jdbc;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Tenant-scoped reads of the console that the api has no route for: counts for the overview, the
 * exception list with filters, tool attempts and the redaction report (paths and kinds only —
 * never a value), and the tenant list for platform admins. Every query names the tenant.
 */
@ApplicationScoped
public class ConsoleData {
    public static final int PAGE = 100;

    private final DataSource dataSource;

    public ConsoleData(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public record Row(UUID id, String state, String type, String severity, String entity, String decision, Instant ingestedAt,
            Instant slaDeadline, Instant updatedAt) {
        public String shortId() {
            return id.toString().substring(0, 8);
        }
    }

    public record Filter(String state, String severity, String type, Instant since, String search) {
    }

    public record ToolAttempt(String tool, int attempt, String status, String worker, String error, Instant startedAt,
            Instant finishedAt) {
    }

    public record Redaction(String path, String kind) {
    }

    /** One bucket of a per-minute series. */
    public record Bucket(Instant minute, long count) {
    }

    public record StageSeries(String stage, long total, List<Bucket> buckets) {
    }

    public List<String> allTenants() {
        return strings("SELECT id FROM tenant ORDER BY id");
    }

    public Map<String, Long> exceptionsByState(String tenant) {
        return counts("SELECT state, count(*) FROM exception_record WHERE tenant_id = ? GROUP BY 1 ORDER BY 1", tenant);
    }

    /** Open exceptions past their SLA deadline, and open ones past the imminent point but not yet the deadline. */
    public Map<String, Long> slaNow(String tenant) {
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("breached", count("SELECT count(*) FROM exception_record WHERE tenant_id = ? AND closed_at IS NULL "
                + "AND sla_deadline < now()", tenant));
        out.put("imminent", count("SELECT count(*) FROM exception_record WHERE tenant_id = ? AND closed_at IS NULL "
                + "AND sla_imminent_at < now() AND sla_deadline >= now()", tenant));
        return out;
    }

    public long deadLettersPending(String tenant) {
        return count("SELECT count(*) FROM dead_letter WHERE tenant_id = ? AND status = 'PENDING'", tenant);
    }

    /** Timeline events per event type and minute over the last 15 minutes (the stages' throughput). */
    public List<StageSeries> eventsPerStage(String tenant) {
        return series("SELECT event_type, date_trunc('minute', at), count(*) FROM exception_timeline WHERE tenant_id = ? "
                + "AND at > now() - interval '15 minutes' GROUP BY 1, 2 ORDER BY 1, 2", tenant);
    }

    /** Dead letters per consumer and minute over the last 15 minutes (the stages' errors). */
    public List<StageSeries> errorsPerStage(String tenant) {
        return series("SELECT consumer, date_trunc('minute', created_at), count(*) FROM dead_letter WHERE tenant_id = ? "
                + "AND created_at > now() - interval '15 minutes' GROUP BY 1, 2 ORDER BY 1, 2", tenant);
    }

    public List<Row> exceptions(String tenant, Filter f) {
        StringBuilder sql = new StringBuilder("SELECT id, state, exception_type, severity, entity_id, decision, ingested_at, "
                + "sla_deadline, updated_at FROM exception_record WHERE tenant_id = ?");
        List<Object> params = new ArrayList<>(List.of(tenant));
        if (f.state() != null) {
            sql.append(" AND state = ?");
            params.add(f.state());
        }
        if (f.severity() != null) {
            sql.append(" AND severity = ?");
            params.add(f.severity());
        }
        if (f.type() != null) {
            sql.append(" AND exception_type = ?");
            params.add(f.type());
        }
        if (f.since() != null) {
            sql.append(" AND ingested_at >= ?");
            params.add(Timestamp.from(f.since()));
        }
        if (f.search() != null) {
            sql.append(" AND (id::text = ? OR entity_id = ?)");
            params.add(f.search());
            params.add(f.search());
        }
        sql.append(" ORDER BY ingested_at DESC, id LIMIT " + PAGE);
        return Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                for (int i = 0; i < params.size(); i++) {
                    ps.setObject(i + 1, params.get(i));
                }
                List<Row> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Row((UUID) rs.getObject(1), rs.getString(2), rs.getString(3), rs.getString(4),
                                rs.getString(5), rs.getString(6), instant(rs.getTimestamp(7)), instant(rs.getTimestamp(8)),
                                instant(rs.getTimestamp(9))));
                    }
                }
                return out;
            }
        });
    }

    public List<String> distinct(String tenant, String column) {
        return strings("SELECT DISTINCT " + switch (column) {
            case "state" -> "state";
            case "severity" -> "severity";
            default -> "exception_type";
        } + " FROM exception_record WHERE tenant_id = ? AND " + column + " IS NOT NULL ORDER BY 1", tenant);
    }

    public List<ToolAttempt> toolAttempts(String tenant, UUID exceptionId) {
        return Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT tool, attempt, status, worker, error, started_at, finished_at "
                    + "FROM tool_execution WHERE tenant_id = ? AND exception_id = ? ORDER BY started_at, attempt")) {
                ps.setString(1, tenant);
                ps.setObject(2, exceptionId);
                List<ToolAttempt> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new ToolAttempt(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getString(4),
                                rs.getString(5), instant(rs.getTimestamp(6)), instant(rs.getTimestamp(7))));
                    }
                }
                return out;
            }
        });
    }

    /** Where intake replaced personal data and what kind it was; the values themselves are gone. */
    public List<Redaction> redactions(String tenant, UUID exceptionId) {
        return Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT r->>'path', r->>'kind' FROM exception_record e, "
                    + "jsonb_array_elements(e.redactions) r WHERE e.tenant_id = ? AND e.id = ?")) {
                ps.setString(1, tenant);
                ps.setObject(2, exceptionId);
                List<Redaction> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Redaction(rs.getString(1), rs.getString(2)));
                    }
                }
                return out;
            }
        });
    }

    private List<StageSeries> series(String sql, String tenant) {
        Map<String, List<Bucket>> byStage = new LinkedHashMap<>();
        Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, tenant);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        byStage.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                                .add(new Bucket(rs.getTimestamp(2).toInstant(), rs.getLong(3)));
                    }
                }
                return null;
            }
        });
        List<StageSeries> out = new ArrayList<>();
        byStage.forEach((stage, buckets) -> out.add(new StageSeries(stage,
                buckets.stream().mapToLong(Bucket::count).sum(), buckets)));
        return out;
    }

    private Map<String, Long> counts(String sql, String tenant) {
        return Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, tenant);
                Map<String, Long> out = new LinkedHashMap<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.put(rs.getString(1), rs.getLong(2));
                    }
                }
                return out;
            }
        });
    }

    private long count(String sql, String tenant) {
        return Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, tenant);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    private List<String> strings(String sql, Object... params) {
        return Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < params.length; i++) {
                    ps.setObject(i + 1, params[i]);
                }
                List<String> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
                return out;
            }
        });
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}

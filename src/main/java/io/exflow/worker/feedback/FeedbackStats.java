package io.exflow.worker.feedback;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import io.exflow.runtime.delivery.Jdbc;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Read side of feedback for the api and operators: a tenant's outcome figures, from the
 * {@code outcome_stats} view (per tenant, exception type and playbook) and the SLA alerts
 * feedback recorded. Always computed from PostgreSQL, so every replica answers the same.
 */
@ApplicationScoped
public class FeedbackStats {
    private final DataSource dataSource;

    public FeedbackStats(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Figures of one group (or of the whole tenant); times in milliseconds, null when nothing was measured. */
    @RegisterForReflection
    public record Figures(long closed, long resolved, long escalated, long blocked, long autoResolved, long slaMet,
            long slaBreached, Double slaMetRatio, Double autoResolvedRatio, Long meanTimeToResolveMs,
            Long p50TimeToResolveMs, Long p95TimeToResolveMs) {
    }

    /** Figures of one exception type and playbook ({@code ""} when no playbook ran). */
    @RegisterForReflection
    public record Group(String exceptionType, String playbookId, Figures figures) {
    }

    /**
     * @param totals          over every closed exception of the tenant
     * @param imminentAlerts  SLA imminent alerts recorded (open exceptions included)
     * @param breachedAlerts  SLA breached alerts recorded (open exceptions included)
     * @param groups          per exception type and playbook, ordered
     */
    @RegisterForReflection
    public record TenantStats(String tenantId, Figures totals, long imminentAlerts, long breachedAlerts, List<Group> groups) {
    }

    public TenantStats forTenant(String tenantId) {
        return Jdbc.with(dataSource, c -> {
            List<Group> groups = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM outcome_stats WHERE tenant_id = ? "
                    + "ORDER BY exception_type, playbook_id")) {
                ps.setString(1, tenantId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        groups.add(new Group(rs.getString("exception_type"), rs.getString("playbook_id"), figures(rs)));
                    }
                }
            }
            Figures totals;
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) AS closed, "
                    + "count(*) FILTER (WHERE outcome = 'RESOLVED') AS resolved, "
                    + "count(*) FILTER (WHERE outcome = 'ESCALATED') AS escalated, "
                    + "count(*) FILTER (WHERE outcome = 'BLOCKED') AS blocked, "
                    + "count(*) FILTER (WHERE auto_resolved) AS auto_resolved, "
                    + "count(*) FILTER (WHERE sla_met) AS sla_met, count(*) FILTER (WHERE sla_met = false) AS sla_breached, "
                    + "avg(time_to_resolve_ms)::BIGINT AS mean_time_to_resolve_ms, "
                    + "(percentile_cont(0.5) WITHIN GROUP (ORDER BY time_to_resolve_ms))::BIGINT AS p50_time_to_resolve_ms, "
                    + "(percentile_cont(0.95) WITHIN GROUP (ORDER BY time_to_resolve_ms))::BIGINT AS p95_time_to_resolve_ms "
                    + "FROM exception_outcome WHERE tenant_id = ?")) {
                ps.setString(1, tenantId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    totals = figures(rs);
                }
            }
            long imminent = 0;
            long breached = 0;
            try (PreparedStatement ps = c.prepareStatement("SELECT kind, count(*) FROM feedback_sla_alert "
                    + "WHERE tenant_id = ? GROUP BY kind")) {
                ps.setString(1, tenantId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if ("IMMINENT".equals(rs.getString(1))) {
                            imminent = rs.getLong(2);
                        } else {
                            breached = rs.getLong(2);
                        }
                    }
                }
            }
            return new TenantStats(tenantId, totals, imminent, breached, List.copyOf(groups));
        });
    }

    private static Figures figures(ResultSet rs) throws SQLException {
        long closed = rs.getLong("closed");
        long slaMet = rs.getLong("sla_met");
        long slaBreached = rs.getLong("sla_breached");
        long auto = rs.getLong("auto_resolved");
        return new Figures(closed, rs.getLong("resolved"), rs.getLong("escalated"), rs.getLong("blocked"), auto, slaMet,
                slaBreached, slaMet + slaBreached == 0 ? null : (double) slaMet / (slaMet + slaBreached),
                closed == 0 ? null : (double) auto / closed, nullableLong(rs, "mean_time_to_resolve_ms"),
                nullableLong(rs, "p50_time_to_resolve_ms"), nullableLong(rs, "p95_time_to_resolve_ms"));
    }

    private static Long nullableLong(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }
}

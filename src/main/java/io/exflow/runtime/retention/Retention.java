package io.exflow.runtime.retention;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import org.jboss.logging.Logger;

import io.exflow.runtime.config.ExflowSettings;
import io.exflow.runtime.delivery.IdempotencyClaims;
import io.exflow.runtime.delivery.Jdbc;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Keeps storage bounded (docs/scaling.md, "Retention"). Every process schedules it; a PostgreSQL
 * session advisory lock (per schema) lets one replica at a time do the work, and a replica that
 * dies mid-run releases it with its connection.
 * <ul>
 * <li>The time-partitioned tables (idempotency claims, timeline) get their partitions created
 * {@link #AHEAD} ahead, and partitions entirely older than the retention are detached
 * concurrently and dropped whole: no row-by-row delete over the biggest tables.</li>
 * <li>Closed exceptions older than the history retention are deleted with their per-exception
 * rows (playbook run, tool executions, outcome, SLA markers, approvals) in bounded batches that
 * walk an index on {@code closed_at}; likewise handled dead letters. These tables hold about one
 * row per exception and carry the exactly-once keys (one outcome per exception, one execution per
 * tool job), which a partitioned table could only enforce per partition.</li>
 * </ul>
 */
@ApplicationScoped
public class Retention {
    private static final Logger LOG = Logger.getLogger(Retention.class);
    /** How far ahead partitions exist, so inserts never meet a missing one while a run is late. */
    public static final Duration AHEAD = Duration.ofDays(3);
    /** Batches per run and kind: a long backlog is worked off over several runs, never in one long run. */
    static final int MAX_BATCHES_PER_RUN = 200;
    private static final Pattern BOUNDS = Pattern.compile("FROM \\((.+?)\\) TO \\((.+?)\\)");
    private static final DateTimeFormatter PG_TIMESTAMPTZ = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd HH:mm:ss")
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
            .appendOffset("+HH:mm", "+00")
            .toFormatter();
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC);

    /**
     * A table partitioned by range of a timestamptz column.
     *
     * @param width     the span of one partition
     * @param retention a partition is dropped once its upper bound is this far in the past
     * @param localKey  each partition's own primary key (the parent has none: see V7_2)
     */
    public record PartitionedTable(String name, Duration width, Duration retention, String localKey) {
    }

    /** What one run did; {@code ran} is false when another replica held the lock. */
    public record Report(boolean ran, List<String> created, List<String> dropped, long exceptionsDeleted,
            long deadLettersDeleted) {
    }

    private final DataSource dataSource;
    private final Clock clock;
    private final ExflowSettings.Retention settings;
    private final List<PartitionedTable> tables;

    public Retention(DataSource dataSource, Clock clock, ExflowSettings settings) {
        this.dataSource = dataSource;
        this.clock = clock;
        this.settings = settings.retention();
        this.tables = List.of(
                // A claim written just before midnight by a transaction that began in the overlap
                // lands in the day before (IdempotencyClaims): keep that day the overlap longer.
                new PartitionedTable("processed_event", Duration.ofDays(1),
                        this.settings.claims().plus(IdempotencyClaims.BOUNDARY_OVERLAP), "consumer, event_id"),
                new PartitionedTable("exception_timeline", Duration.ofDays(7), this.settings.history(), "id"));
    }

    public List<PartitionedTable> tables() {
        return tables;
    }

    @Scheduled(every = "${exflow.retention.interval}", delayed = "10s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        Report report = runOnce(clock.instant());
        if (!report.created().isEmpty() || !report.dropped().isEmpty() || report.exceptionsDeleted() > 0
                || report.deadLettersDeleted() > 0) {
            LOG.infof("retention: created %s, dropped %s, deleted %d closed exceptions and %d handled dead letters",
                    report.created(), report.dropped(), report.exceptionsDeleted(), report.deadLettersDeleted());
        }
    }

    /** One run as of {@code now}: partitions ahead, old partitions dropped, old closed rows deleted. */
    public Report runOnce(Instant now) {
        return Jdbc.with(dataSource, c -> {
            if (!c.getAutoCommit()) {
                throw new IllegalStateException("retention runs outside a transaction (DETACH CONCURRENTLY needs it)");
            }
            if (!tryLock(c)) {
                return new Report(false, List.of(), List.of(), 0, 0);
            }
            try {
                ensureIndexes(c);
                List<String> created = new ArrayList<>();
                List<String> dropped = new ArrayList<>();
                for (PartitionedTable table : tables) {
                    created.addAll(createAhead(c, table, now));
                    dropped.addAll(dropExpired(c, table, now));
                }
                Instant historyHorizon = now.minus(settings.history());
                long exceptions = deleteClosedExceptions(c, historyHorizon);
                long deadLetters = deleteHandledDeadLetters(c, historyHorizon);
                return new Report(true, created, dropped, exceptions, deadLetters);
            } finally {
                unlock(c);
            }
        });
    }

    /**
     * The indexes the batches walk, built CONCURRENTLY so writers are never blocked. Here rather
     * than in a Flyway migration: Flyway holds a transaction open while it migrates, and a
     * concurrent index build waits for every open transaction. An index left invalid by an
     * interrupted build is dropped and built again.
     */
    private static final List<String[]> BATCH_INDEXES = List.of(
            new String[] { "exception_record_closed", "exception_record (closed_at) WHERE closed_at IS NOT NULL" },
            new String[] { "dead_letter_handled", "dead_letter (updated_at) WHERE status <> 'PENDING'" });

    private static void ensureIndexes(Connection c) throws SQLException {
        for (String[] index : BATCH_INDEXES) {
            Boolean valid = null;
            try (PreparedStatement ps = c.prepareStatement("SELECT i.indisvalid FROM pg_index i WHERE i.indexrelid = to_regclass(?)")) {
                ps.setString(1, index[0]);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        valid = rs.getBoolean(1);
                    }
                }
            }
            if (Boolean.TRUE.equals(valid)) {
                continue;
            }
            // A concurrent build waits for every transaction older than it, which on a busy table is
            // always some: under the pool's lock_timeout it never finished (and left an invalid index
            // behind each run). Its wait blocks no writer, so it may take as long as it needs.
            String lockTimeout;
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW lock_timeout")) {
                rs.next();
                lockTimeout = rs.getString(1);
            }
            try (Statement s = c.createStatement()) {
                s.execute("SET lock_timeout = 0");
                if (valid != null) {
                    s.execute("DROP INDEX CONCURRENTLY IF EXISTS " + index[0]);
                }
                s.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS " + index[0] + " ON " + index[1]);
            } finally {
                try (PreparedStatement ps = c.prepareStatement("SELECT set_config('lock_timeout', ?, false)")) {
                    ps.setString(1, lockTimeout);
                    ps.execute();
                }
            }
        }
    }

    private static boolean tryLock(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT pg_try_advisory_lock(hashtext(current_schema() || '.exflow-retention'))")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private static void unlock(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_unlock(hashtext(current_schema() || '.exflow-retention'))");
        }
    }

    /** A partition and its bounds (null for MINVALUE / MAXVALUE). */
    record Partition(String name, Instant from, Instant to, boolean detachPending) {
    }

    List<Partition> partitions(Connection c, String table) throws SQLException {
        List<Partition> out = new ArrayList<>();
        // Bounds rendered in UTC whatever the session's TimeZone is, so they parse the same everywhere.
        try (PreparedStatement ps = c.prepareStatement("SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), "
                + "i.inhdetachpending FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                + "WHERE i.inhparent = ?::regclass")) {
            ps.setString(1, table);
            String zone = sessionTimeZone(c);
            try (Statement s = c.createStatement()) {
                s.execute("SET TIME ZONE 'UTC'");
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Matcher m = BOUNDS.matcher(rs.getString(2));
                    if (!m.find()) {
                        throw new IllegalStateException("unexpected partition bound of " + rs.getString(1) + ": " + rs.getString(2));
                    }
                    out.add(new Partition(rs.getString(1), bound(m.group(1)), bound(m.group(2)), rs.getBoolean(3)));
                }
            } finally {
                try (PreparedStatement reset = c.prepareStatement("SELECT set_config('TimeZone', ?, false)")) {
                    reset.setString(1, zone);
                    reset.execute();
                }
            }
        }
        return out;
    }

    private static String sessionTimeZone(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW TimeZone")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static Instant bound(String value) {
        String v = value.trim();
        if (v.equals("MINVALUE") || v.equals("MAXVALUE")) {
            return null;
        }
        return OffsetDateTime.parse(v.substring(1, v.length() - 1), PG_TIMESTAMPTZ).toInstant();
    }

    private List<String> createAhead(Connection c, PartitionedTable table, Instant now) throws SQLException {
        List<String> created = new ArrayList<>();
        Instant upper = null;
        for (Partition p : partitions(c, table.name())) {
            if (p.to() != null && (upper == null || p.to().isAfter(upper))) {
                upper = p.to();
            }
        }
        if (upper == null) {
            throw new IllegalStateException(table.name() + " has no bounded partition (migration V7_2 creates them)");
        }
        // On from the newest partition, in steps of its width; after a long outage, spans that would
        // already be past the retention are skipped rather than created and dropped.
        Instant horizon = now.minus(table.retention());
        while (!upper.plus(table.width()).isAfter(horizon)) {
            upper = upper.plus(table.width());
        }
        while (upper.isBefore(now.plus(AHEAD))) {
            Instant from = upper;
            Instant to = from.plus(table.width());
            String name = table.name() + "_p" + DAY.format(from);
            // Created beside the table and attached: ATTACH takes a lock that lets inserts and reads
            // go on (CREATE ... PARTITION OF would block them), and checking an empty table is free.
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS " + name + " (LIKE " + table.name()
                        + " INCLUDING DEFAULTS, PRIMARY KEY (" + table.localKey() + "))");
                s.execute("ALTER TABLE " + table.name() + " ATTACH PARTITION " + name + " FOR VALUES FROM ('"
                        + from + "') TO ('" + to + "')");
            }
            created.add(name);
            upper = to;
        }
        return created;
    }

    private List<String> dropExpired(Connection c, PartitionedTable table, Instant now) throws SQLException {
        List<String> dropped = new ArrayList<>();
        Instant horizon = now.minus(table.retention());
        for (Partition p : partitions(c, table.name())) {
            if (p.to() == null || p.to().isAfter(horizon)) {
                continue;
            }
            try (Statement s = c.createStatement()) {
                // CONCURRENTLY: waits for queries using the partition instead of locking the parent
                // against them; a run interrupted half-way leaves it pending, finished here next time.
                s.execute("ALTER TABLE " + table.name() + " DETACH PARTITION " + p.name()
                        + (p.detachPending() ? " FINALIZE" : " CONCURRENTLY"));
                s.execute("DROP TABLE " + p.name());
            }
            dropped.add(p.name());
        }
        return dropped;
    }

    /** Closed exceptions (and their per-exception rows), oldest close first, a batch per transaction. */
    private long deleteClosedExceptions(Connection c, Instant horizon) throws SQLException {
        long total = 0;
        for (int batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
            int n = inTransaction(c, () -> {
                Array ids;
                // SKIP LOCKED: a row some handler is updating right now waits for the next run.
                try (PreparedStatement ps = c.prepareStatement("SELECT array_agg(id) FROM (SELECT id FROM exception_record "
                        + "WHERE closed_at < ? ORDER BY closed_at LIMIT ? FOR UPDATE SKIP LOCKED) doomed")) {
                    ps.setTimestamp(1, Timestamp.from(horizon));
                    ps.setInt(2, settings.batchSize());
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        ids = rs.getArray(1);
                    }
                }
                if (ids == null) {
                    return 0;
                }
                for (String dependent : List.of("playbook_run", "tool_execution", "exception_outcome", "sla_alert",
                        "feedback_sla_alert", "exception_approval")) {
                    try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + dependent + " WHERE exception_id = ANY (?)")) {
                        ps.setArray(1, ids);
                        ps.executeUpdate();
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM exception_record WHERE id = ANY (?)")) {
                    ps.setArray(1, ids);
                    return ps.executeUpdate();
                }
            });
            total += n;
            if (n < settings.batchSize()) {
                break;
            }
        }
        return total;
    }

    private long deleteHandledDeadLetters(Connection c, Instant horizon) throws SQLException {
        long total = 0;
        for (int batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
            int n;
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM dead_letter WHERE id IN (SELECT id FROM dead_letter "
                    + "WHERE status <> 'PENDING' AND updated_at < ? ORDER BY updated_at LIMIT ? FOR UPDATE SKIP LOCKED)")) {
                ps.setTimestamp(1, Timestamp.from(horizon));
                ps.setInt(2, settings.batchSize());
                n = ps.executeUpdate();
            }
            total += n;
            if (n < settings.batchSize()) {
                break;
            }
        }
        return total;
    }

    @FunctionalInterface
    private interface Work {
        int run() throws SQLException;
    }

    private static int inTransaction(Connection c, Work work) throws SQLException {
        c.setAutoCommit(false);
        try {
            int n = work.run();
            c.commit();
            return n;
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }
}

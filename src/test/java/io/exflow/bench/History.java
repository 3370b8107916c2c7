package io.exflow.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

/**
 * The `history` deployment (BENCH_DEPLOYMENTS=…,history): the same all-in-one process on a fresh
 * database that bench/seed-history.sql has filled with history (BENCH_HISTORY=claims,closed;
 * default 50 M claims and 5 M closed exceptions), so its saturation runs can be set beside the
 * empty database's from the same run, with the tables' sizes.
 */
final class History {
    private History() {
    }

    /** Sizes of the tables that grow with traffic: name, rows (estimate), table bytes, index bytes. */
    record TableSize(String table, long rows, long tableBytes, long indexBytes) {
    }

    static long[] sizesFromEnv() {
        String[] parts = System.getenv().getOrDefault("BENCH_HISTORY", "50000000,5000000").split(",");
        return new long[] {Long.parseLong(parts[0].trim()), Long.parseLong(parts[1].trim())};
    }

    /** Drops and creates the bench database, so the next process migrates an empty schema. */
    static void freshDatabase(Bench.Settings s) throws Exception {
        run(List.of("psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres",
                "-c", "DROP DATABASE IF EXISTS " + s.dbName() + " WITH (FORCE)", "-c", "CREATE DATABASE " + s.dbName()), System.out, "");
    }

    /** Runs the seed script server-side and shows its statements' progress as they finish. */
    static void seed(Bench.Settings s, long claims, long closed, PrintStream out) throws Exception {
        out.printf("    seeding history: %,d claims, %,d closed exceptions with their timelines (bench/seed-history.sql)%n", claims, closed);
        long started = System.nanoTime();
        run(List.of("psql", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U", "postgres", "-d", s.dbName(),
                "-v", "claims=" + claims, "-v", "closed=" + closed, "-c", "\\timing on", "-f", "bench/seed-history.sql"), out, "      ");
        out.printf("    seeded in %.0f s%n", (System.nanoTime() - started) / 1e9);
    }

    static List<TableSize> sizes(Bench.Settings s) throws Exception {
        List<TableSize> sizes = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(s.jdbcUrl(), "postgres", "")) {
            c.createStatement().execute("ANALYZE");
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT t.name, sum(greatest(k.reltuples, 0))::bigint, sum(pg_table_size(p.relid)), sum(pg_indexes_size(p.relid))
                    FROM unnest(ARRAY['processed_event', 'exception_timeline', 'exception_record', 'playbook_run',
                                      'exception_outcome', 'outbox']) AS t (name)
                    CROSS JOIN LATERAL pg_partition_tree(t.name::regclass) p
                    JOIN pg_class k ON k.oid = p.relid
                    WHERE k.relkind = 'r' GROUP BY t.name ORDER BY 3 DESC""");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    sizes.add(new TableSize(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)));
                }
            }
        }
        return sizes;
    }

    private static void run(List<String> cmd, PrintStream out, String prefix) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null;) {
                if (!prefix.isEmpty() && !line.isBlank()) {
                    out.println(prefix + line);
                }
            }
        }
        if (p.waitFor() != 0) {
            throw new IllegalStateException("failed: " + String.join(" ", cmd));
        }
    }
}

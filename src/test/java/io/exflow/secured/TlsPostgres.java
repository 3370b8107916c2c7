package io.exflow.secured;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/**
 * A PostgreSQL cluster of its own (pg_createcluster, as root, like the chaos run's) that accepts
 * only TLS connections from 127.0.0.1 with a SCRAM password, presenting {@link TestPki}'s
 * server certificate. Dropped on close.
 */
final class TlsPostgres implements AutoCloseable {
    static final String CLUSTER = "exflowtls";
    static final String USER = "exflow";
    static final String DATABASE = "exflow";

    private final String version = newestVersion();
    private final int port;
    private final String password;

    TlsPostgres(int port, String password) {
        this.port = port;
        this.password = password;
    }

    void start(TestPki pki) throws IOException {
        Shell.run(null, false, "pg_dropcluster", version, CLUSTER, "--stop");
        // Key and certificate where the server (user postgres) may read them and nobody else.
        Path certs = Path.of("/var/lib/postgresql", CLUSTER + "-tls");
        Files.createDirectories(certs);
        Files.copy(pki.serverCert(), certs.resolve("server.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(pki.serverKey(), certs.resolve("server.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Shell.run(null, "chown", "-R", "postgres:postgres", certs.toString());
        Shell.run(null, "chmod", "600", certs.resolve("server.key").toString());
        Shell.run(null, "pg_createcluster", version, CLUSTER, "-p", String.valueOf(port),
                "-o", "ssl_cert_file=" + certs.resolve("server.crt"), "-o", "ssl_key_file=" + certs.resolve("server.key"),
                "-o", "fsync=off", "-o", "synchronous_commit=off", "-o", "password_encryption=scram-sha-256",
                "--", "--auth-local=trust");
        Path config = Path.of("/etc/postgresql", version, CLUSTER);
        // pg_createcluster decides `ssl` itself (on only with Debian's snakeoil certificate): the last line wins.
        Files.writeString(config.resolve("postgresql.conf"), "ssl = on\n", java.nio.file.StandardOpenOption.APPEND);
        // Over the network only TLS with a password; a plain connection is refused outright.
        Files.writeString(config.resolve("pg_hba.conf"), """
                local   all  all                 trust
                hostssl all  all  127.0.0.1/32   scram-sha-256
                hostnossl all all 0.0.0.0/0      reject
                """);
        Shell.run(null, "pg_ctlcluster", "--skip-systemctl-redirect", version, CLUSTER, "start");
        psql("CREATE ROLE " + USER + " LOGIN PASSWORD '" + password + "'");
        psql("CREATE DATABASE " + DATABASE + " OWNER " + USER);
    }

    String jdbcUrl(TestPki pki) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE + "?sslmode=verify-full&sslrootcert=" + pki.caCert();
    }

    /** "TLS sessions/all sessions" of user exflow, as the server at {@code port} sees them (pg_stat_ssl). */
    static String sslConnections(int port) {
        return psql(port, "SELECT count(*) FILTER (WHERE s.ssl) || '/' || count(*) FROM pg_stat_activity a"
                + " JOIN pg_stat_ssl s ON s.pid = a.pid WHERE a.usename = '" + USER + "'");
    }

    private String psql(String sql) {
        return psql(port, sql);
    }

    private static String psql(int port, String sql) {
        return Shell.run(null, "psql", "-h", "/var/run/postgresql", "-p", String.valueOf(port), "-U", "postgres",
                "-d", "postgres", "-tAc", sql);
    }

    @Override
    public void close() {
        Shell.run(null, false, "pg_dropcluster", version, CLUSTER, "--stop");
    }

    private static String newestVersion() {
        try (var dirs = Files.list(Path.of("/usr/lib/postgresql"))) {
            return dirs.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d+"))
                    .max(Comparator.comparingInt(Integer::parseInt)).orElseThrow();
        } catch (IOException e) {
            throw new IllegalStateException("no PostgreSQL server under /usr/lib/postgresql", e);
        }
    }
}

package io.exflow.secured;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A redis-server of its own that speaks only TLS ({@code --port 0}) with {@link TestPki}'s
 * certificate, whose default user is switched off: the only way in is the ACL user exflow
 * with its password.
 */
final class TlsRedis implements AutoCloseable {
    static final String USER = "exflow";

    private final int port;
    private final String password;
    private final Path home;

    TlsRedis(int port, String password, Path home) {
        this.port = port;
        this.password = password;
        this.home = home;
    }

    void start(TestPki pki) throws IOException {
        Files.createDirectories(home);
        Shell.run(home, "redis-server", "--port", "0", "--tls-port", String.valueOf(port), "--bind", "127.0.0.1",
                "--tls-cert-file", pki.serverCert().toAbsolutePath().toString(),
                "--tls-key-file", pki.serverKey().toAbsolutePath().toString(),
                "--tls-ca-cert-file", pki.caCert().toAbsolutePath().toString(), "--tls-auth-clients", "no",
                "--save", "", "--appendonly", "no", "--daemonize", "yes", "--dir", home.toAbsolutePath().toString(),
                "--pidfile", pidFile().toString(), "--logfile", home.resolve("redis.log").toAbsolutePath().toString(),
                "--user", "default", "off",
                "--user", USER, "on", ">" + password, "~*", "&*", "+@all");
        long end = System.nanoTime() + 20_000_000_000L;
        while (!"PONG".equals(cli(pki, "PING"))) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("TLS redis-server did not answer; see " + home.resolve("redis.log"));
            }
            sleep();
        }
    }

    /** rediss://user:password@127.0.0.1:port, what REDIS_URL holds in a deployment. */
    String url() {
        return "rediss://" + USER + ":" + password + "@127.0.0.1:" + port;
    }

    /** A command as the ACL user over TLS. */
    String cli(TestPki pki, String... command) {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("redis-cli", "--tls", "--cacert",
                pki.caCert().toAbsolutePath().toString(), "-h", "127.0.0.1", "-p", String.valueOf(port),
                "--user", USER, "--pass", password, "--no-auth-warning"));
        args.addAll(java.util.List.of(command));
        return Shell.run(null, false, args.toArray(String[]::new));
    }

    private Path pidFile() {
        return home.resolve("redis.pid").toAbsolutePath();
    }

    @Override
    public void close() {
        try {
            if (Files.exists(pidFile())) {
                Shell.run(null, false, "kill", Files.readString(pidFile()).trim());
            }
        } catch (IOException e) {
            System.err.println("TLS redis-server not stopped: " + e.getMessage());
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

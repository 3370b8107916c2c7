package io.exflow.chaos;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The chaos run's own PostgreSQL cluster, Redis server and Kafka broker, on ports nobody else
 * uses, so stopping them disturbs nothing else on the machine. Created at start, removed at
 * the end (also after a failure).
 */
final class Infra implements AutoCloseable {
    static final String PG_CLUSTER = "exflowchaos";

    final String pgCluster;
    final Path root;
    final Path home;
    final int pgPort;
    final int redisPort;
    final int kafkaPort;
    final int kafkaControllerPort;
    final String pgVersion;
    private final Path log;

    Infra(Path root, Path home, int pgPort, int redisPort, int kafkaPort) {
        this(root, home, pgPort, redisPort, kafkaPort, PG_CLUSTER);
    }

    Infra(Path root, Path home, int pgPort, int redisPort, int kafkaPort, String pgCluster) {
        this.pgCluster = pgCluster;
        this.root = root;
        this.home = home;
        this.pgPort = pgPort;
        this.redisPort = redisPort;
        this.kafkaPort = kafkaPort;
        this.kafkaControllerPort = kafkaPort + 1;
        this.log = home.resolve("infra.log");
        this.pgVersion = pgVersion();
    }

    String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres";
    }

    String redisUrl() {
        return "redis://127.0.0.1:" + redisPort;
    }

    String bootstrap() {
        return "127.0.0.1:" + kafkaPort;
    }

    void startAll() throws IOException {
        Files.createDirectories(home);
        // A cluster left by an earlier, interrupted run goes first.
        sh(false, "pg_dropcluster", pgVersion, pgCluster, "--stop");
        sh(true, "pg_createcluster", pgVersion, pgCluster, "-p", String.valueOf(pgPort),
                "-o", "max_connections=400", "-o", "fsync=off",
                "-o", "synchronous_commit=off", "--", "--auth=trust");
        startPostgres();
        stopRedis();
        startRedis();
        kafka("start");
    }

    void startPostgres() {
        sh(true, "pg_ctlcluster", "--skip-systemctl-redirect", pgVersion, pgCluster, "start");
        awaitPort(pgPort, 30);
    }

    void stopPostgres() {
        sh(true, "pg_ctlcluster", "--skip-systemctl-redirect", pgVersion, pgCluster, "stop", "-m", "fast");
    }

    void startRedis() {
        sh(true, "redis-server", "--port", String.valueOf(redisPort), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--daemonize", "yes", "--dir", home.toString(),
                "--pidfile", home.resolve("redis.pid").toString(), "--logfile", home.resolve("redis.log").toString());
        awaitPort(redisPort, 20);
    }

    void stopRedis() {
        sh(false, "redis-cli", "-h", "127.0.0.1", "-p", String.valueOf(redisPort), "shutdown", "nosave");
        awaitPortClosed(redisPort, 10);
    }

    void stopKafka() {
        kafka("stop");
    }

    void resumeKafka() {
        kafka("restart");
    }

    String redis(String... args) {
        List<String> cmd = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", String.valueOf(redisPort)));
        cmd.addAll(List.of(args));
        return sh(true, cmd.toArray(String[]::new));
    }

    private void kafka(String what) {
        ProcessBuilder pb = new ProcessBuilder(root.resolve("bin/kafka-local").toString(), what).directory(root.toFile());
        Map<String, String> env = pb.environment();
        env.put("KAFKA_LOCAL_HOME", home.resolve("kafka").toString());
        env.put("KAFKA_LOCAL_PORT", String.valueOf(kafkaPort));
        env.put("KAFKA_LOCAL_CONTROLLER_PORT", String.valueOf(kafkaControllerPort));
        run(pb, true, 300);
    }

    @Override
    public void close() {
        try {
            kafka("stop");
        } catch (RuntimeException e) {
            System.err.println("chaos: kafka stop failed: " + e.getMessage());
        }
        stopRedis();
        sh(false, "pg_dropcluster", pgVersion, pgCluster, "--stop");
    }

    static void awaitPort(int port, int seconds) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            if (open(port)) {
                return;
            }
            sleep(100);
        }
        throw new IllegalStateException("port " + port + " did not open in " + seconds + " s");
    }

    static void awaitPortClosed(int port, int seconds) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end && open(port)) {
            sleep(100);
        }
    }

    static boolean open(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 300);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private String sh(boolean check, String... cmd) {
        return run(new ProcessBuilder(cmd), check, 120);
    }

    private String run(ProcessBuilder pb, boolean check, int timeoutSeconds) {
        try {
            pb.redirectErrorStream(true);
            Process p = pb.start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + pb.command());
            }
            String text = new String(out);
            Files.writeString(log, "$ " + String.join(" ", pb.command()) + "\n" + text, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
            if (check && p.exitValue() != 0) {
                throw new IllegalStateException("failed (" + p.exitValue() + "): " + pb.command() + "\n" + text);
            }
            return text.trim();
        } catch (IOException e) {
            if (check) {
                throw new IllegalStateException("cannot run " + pb.command() + ": " + e.getMessage(), e);
            }
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String pgVersion() {
        try (var s = Files.list(Path.of("/usr/lib/postgresql"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d+")).max(
                    java.util.Comparator.comparingInt(Integer::parseInt)).orElse("15");
        } catch (IOException e) {
            return "15";
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

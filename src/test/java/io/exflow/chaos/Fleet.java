package io.exflow.chaos;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Worker processes of the packaged app (target/quarkus-app), one slot per process, each on its own ports. */
final class Fleet implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();

    final class Slot {
        final int index;
        final String role;
        final int httpPort;
        final int managementPort;
        volatile Process process;
        volatile int generation;
        volatile long maxRssKb;
        volatile int maxThreads;
        volatile boolean wantedUp = true;

        Slot(int index, String role, int httpPort, int managementPort) {
            this.index = index;
            this.role = role;
            this.httpPort = httpPort;
            this.managementPort = managementPort;
        }

        String name() {
            return role + "-" + index;
        }

        synchronized void start() throws IOException {
            generation++;
            Path logFile = logs.resolve(name() + "-" + generation + ".log");
            List<String> cmd = new ArrayList<>(List.of(java(), "-Xmx256m", "-Xss512k", "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1", "-XX:ActiveProcessorCount=2", "-jar",
                    root.resolve("target/quarkus-app/quarkus-run.jar").toString()));
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile())
                    .redirectErrorStream(true).redirectOutput(logFile.toFile());
            Map<String, String> env = pb.environment();
            env.putAll(commonEnv);
            env.put("WORKER_TYPE", role);
            // Static membership as a pod has it: stable across this slot's restarts, unique in the fleet.
            env.putIfAbsent("GROUP_INSTANCE_ID", "fleet-" + name());
            env.put("HTTP_PORT", String.valueOf(httpPort));
            env.put("MANAGEMENT_PORT", String.valueOf(managementPort));
            process = pb.start();
        }

        boolean alive() {
            Process p = process;
            return p != null && p.isAlive();
        }

        void kill() {
            Process p = process;
            if (p != null && p.isAlive()) {
                signal(p.pid(), "KILL");
                waitFor(p, 10);
            }
        }

        /** SIGTERM and wait for the graceful stop; true if it exited by itself in time. */
        boolean terminate(int seconds) {
            Process p = process;
            if (p == null || !p.isAlive()) {
                return true;
            }
            signal(p.pid(), "TERM");
            if (waitFor(p, seconds)) {
                return true;
            }
            p.destroyForcibly();
            waitFor(p, 10);
            return false;
        }

        /** Readiness: 1 UP, 0 DOWN (503), -1 not answering. */
        int ready() {
            try {
                HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + managementPort + "/q/health/ready")).timeout(Duration.ofSeconds(5))
                        .GET().build(), HttpResponse.BodyHandlers.discarding());
                return r.statusCode() == 200 ? 1 : 0;
            } catch (IOException e) {
                return -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }

        void sample() {
            Process p = process;
            if (p == null || !p.isAlive()) {
                return;
            }
            try {
                for (String line : Files.readAllLines(Path.of("/proc/" + p.pid() + "/status"))) {
                    if (line.startsWith("VmRSS:")) {
                        maxRssKb = Math.max(maxRssKb, Long.parseLong(line.replaceAll("\\D", "")));
                    } else if (line.startsWith("Threads:")) {
                        maxThreads = Math.max(maxThreads, Integer.parseInt(line.replaceAll("\\D", "")));
                    }
                }
            } catch (IOException | RuntimeException e) {
                // the process just went away
            }
        }
    }

    final Path root;
    final Path logs;
    final Map<String, String> commonEnv;
    final List<Slot> slots = new ArrayList<>();

    Fleet(Path root, Path logs, Map<String, String> commonEnv) throws IOException {
        this.root = root;
        this.logs = logs;
        this.commonEnv = commonEnv;
        Files.createDirectories(logs);
    }

    Slot add(String role, int basePort) {
        int i = slots.size();
        Slot s = new Slot(i, role, basePort + 2 * i, basePort + 2 * i + 1);
        slots.add(s);
        return s;
    }

    List<Slot> ofRole(String role) {
        return slots.stream().filter(s -> s.role.equals(role)).toList();
    }

    boolean awaitReady(List<Slot> which, int seconds) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            if (which.stream().allMatch(s -> s.ready() == 1)) {
                return true;
            }
            for (Slot s : which) {
                if (s.wantedUp && !s.alive()) {
                    throw new IllegalStateException(s.name() + " exited during start-up; see " + logs);
                }
            }
            Infra.sleep(250);
        }
        return false;
    }

    @Override
    public void close() {
        for (Slot s : slots) {
            Process p = s.process;
            if (p != null && p.isAlive()) {
                signal(p.pid(), "TERM");
            }
        }
        for (Slot s : slots) {
            Process p = s.process;
            if (p != null && !waitFor(p, 30)) {
                p.destroyForcibly();
                waitFor(p, 10);
            }
        }
    }

    static void signal(long pid, String sig) {
        try {
            new ProcessBuilder("kill", "-" + sig, String.valueOf(pid)).start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static boolean waitFor(Process p, int seconds) {
        try {
            return p.waitFor(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}

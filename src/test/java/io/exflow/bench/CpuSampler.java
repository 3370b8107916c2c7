package io.exflow.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU time per group of processes, from /proc: the exflow processes, the Kafka broker, every
 * PostgreSQL process, Redis, this load generator, and the rest of the machine (kernel, other
 * services). The difference of two snapshots over a saturation run, divided by the exceptions
 * closed, says where each exception's CPU went — the part of the machine exflow can change.
 */
final class CpuSampler {
    static final String EXFLOW = "exflow", KAFKA = "kafka broker", POSTGRES = "postgresql", REDIS = "redis",
            GENERATOR = "load generator + bench", OTHER = "kernel + other";
    private static final double MS_PER_TICK = 10; // USER_HZ is 100 on Linux

    private CpuSampler() {
    }

    /** CPU milliseconds used so far per group, and {@code total} for the whole machine. */
    static Map<String, Double> snapshot(List<Long> exflowPids) {
        Map<String, Double> ms = new LinkedHashMap<>();
        for (String g : List.of(EXFLOW, KAFKA, POSTGRES, REDIS, GENERATOR)) {
            ms.put(g, 0.0);
        }
        long self = ProcessHandle.current().pid();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                long pid = Long.parseLong(name);
                String group = exflowPids.contains(pid) ? EXFLOW : pid == self ? GENERATOR : groupOf(p);
                if (group != null) {
                    ms.merge(group, cpuMs(p), Double::sum);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        ms.put("total", machineMs());
        return ms;
    }

    /** Per group: CPU ms per exception over the interval, and the share of the machine's CPU time. */
    static Map<String, double[]> perException(Map<String, Double> before, Map<String, Double> after, int exceptions) {
        Map<String, double[]> out = new LinkedHashMap<>();
        double total = after.get("total") - before.get("total");
        double known = 0;
        for (String g : List.of(EXFLOW, KAFKA, POSTGRES, REDIS, GENERATOR)) {
            double d = after.get(g) - before.get(g);
            known += d;
            out.put(g, new double[] {d / exceptions, d / total});
        }
        out.put(OTHER, new double[] {(total - known) / exceptions, (total - known) / total});
        return out;
    }

    private static String groupOf(Path proc) {
        try {
            String comm = Files.readString(proc.resolve("comm")).trim();
            if (comm.startsWith("postgres")) {
                return POSTGRES;
            }
            if (comm.startsWith("redis-server")) {
                return REDIS;
            }
            if (comm.equals("java")) {
                String cmd = new String(Files.readAllBytes(proc.resolve("cmdline")));
                return cmd.contains("kafka.Kafka") ? KAFKA : null;
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return null; // the process ended meanwhile
        }
    }

    private static double cpuMs(Path proc) {
        try {
            String stat = Files.readString(proc.resolve("stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * MS_PER_TICK; // utime + stime
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** All CPUs' busy time (everything but idle and iowait), in ms. */
    private static double machineMs() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                if (i != 4 && i != 5) {
                    busy += Long.parseLong(f[i]);
                }
            }
            return busy * MS_PER_TICK;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

package io.exflow.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where threads wait on PostgreSQL, by exflow call site: sums the socket reads and writes to
 * port 5432 of a JFR recording, per thread and per the exflow methods on the stack. Needs a
 * recording whose socket events have no threshold (see docs/benchmarks.md, "Latency at 50/s"):
 *
 * <pre>
 * java -cp target/test-classes io.exflow.bench.WallClock target/bench/all-50.jfr exflow-triage-consumer,exflow-policy-consumer
 * </pre>
 *
 * JFR's CPU samples (the profile {@code bin/bench} prints) cannot show this: a thread waiting
 * for a reply is not running.
 */
public final class WallClock {
    private static final int POSTGRES_PORT = 5432;

    private WallClock() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: WallClock <recording.jfr> <thread name>[,<thread name>...]");
            System.exit(2);
        }
        Set<String> threads = Set.of(args[1].split(","));
        Map<String, double[]> bySite = new HashMap<>(); // site -> {events, milliseconds}
        try (RecordingFile recording = new RecordingFile(Path.of(args[0]))) {
            while (recording.hasMoreEvents()) {
                RecordedEvent e = recording.readEvent();
                String type = e.getEventType().getName();
                if (!(type.equals("jdk.SocketRead") || type.equals("jdk.SocketWrite")) || e.getThread() == null
                        || !threads.contains(e.getThread().getJavaName()) || e.getInt("port") != POSTGRES_PORT) {
                    continue;
                }
                String site = e.getThread().getJavaName() + "  " + type.substring("jdk.Socket".length()).toLowerCase() + "  "
                        + exflowFrames(e);
                double[] sum = bySite.computeIfAbsent(site, s -> new double[2]);
                sum[0]++;
                sum[1] += e.getDuration().toNanos() / 1e6;
            }
        }
        System.out.println("| thread, read/write, exflow call site | events | total ms | mean ms |");
        System.out.println("|---|---|---|---|");
        bySite.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue()[1], a.getValue()[1])).limit(40)
                .forEach(s -> System.out.printf("| %s | %.0f | %.0f | %.2f |%n", s.getKey(), s.getValue()[0], s.getValue()[1],
                        s.getValue()[1] / s.getValue()[0]));
    }

    /** The innermost exflow methods on the stack (or the transaction commit), outermost last. */
    private static String exflowFrames(RecordedEvent e) {
        List<String> frames = new ArrayList<>();
        if (e.getStackTrace() != null) {
            for (RecordedFrame f : e.getStackTrace().getFrames()) {
                String type = f.getMethod().getType().getName();
                if (type.startsWith("io.exflow.") && !type.contains("$$Lambda") || type.endsWith(".TransactionImple")) {
                    String name = type.substring(type.lastIndexOf('.') + 1) + "." + f.getMethod().getName();
                    if (frames.isEmpty() || !frames.get(frames.size() - 1).equals(name)) {
                        frames.add(name);
                    }
                }
                if (frames.size() == 3) {
                    break;
                }
            }
        }
        return String.join(" < ", frames);
    }
}

package io.exflow.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * CPU profile of one exflow process over one phase of the benchmark (BENCH_PROFILE=1): JFR
 * started and stopped with {@code jcmd}, and its execution samples grouped by the component
 * whose code was on top of the stack (self time). JFR ships with the JDK, so nothing is added.
 */
final class Profile {
    /** Components by package prefix, first match wins: the order puts exflow's own code before the libraries it calls. */
    static final Map<String, String[]> GROUPS = new LinkedHashMap<>();

    static {
        GROUPS.put("CloudEvents codec", new String[] {"io.exflow.runtime.event."});
        GROUPS.put("exflow runtime", new String[] {"io.exflow.runtime."});
        GROUPS.put("exflow workers and domain", new String[] {"io.exflow."});
        GROUPS.put("Kafka client", new String[] {"org.apache.kafka."});
        GROUPS.put("PostgreSQL driver", new String[] {"org.postgresql."});
        GROUPS.put("Agroal / Narayana (pool, JTA)", new String[] {"io.agroal.", "com.arjuna.", "io.quarkus.narayana.", "org.jboss.tm."});
        GROUPS.put("Hibernate", new String[] {"org.hibernate.", "io.quarkus.hibernate."});
        GROUPS.put("Jackson", new String[] {"com.fasterxml.jackson."});
        GROUPS.put("metrics (Micrometer)", new String[] {"io.micrometer."});
        GROUPS.put("logging", new String[] {"org.jboss.logmanager.", "org.jboss.logging.", "org.slf4j."});
        GROUPS.put("Redis client", new String[] {"io.vertx.redis.", "io.quarkus.redis."});
        GROUPS.put("Vert.x / Netty / Quarkus", new String[] {"io.vertx.", "io.netty.", "io.quarkus.", "io.smallrye."});
        GROUPS.put("JDK (collections, I/O, crypto, …)", new String[] {"java.", "javax.", "jdk.", "sun.", "com.sun."});
    }

    final String phase;
    final Map<String, Long> samplesByGroup = new LinkedHashMap<>();
    long total;

    private Profile(String phase) {
        this.phase = phase;
    }

    static void start(long pid, String name) throws Exception {
        jcmd(pid, "JFR.start", "name=" + name, "settings=" + System.getenv().getOrDefault("BENCH_JFC", "profile"));
    }

    static Profile stop(long pid, String name, Path file) throws Exception {
        jcmd(pid, "JFR.stop", "name=" + name, "filename=" + file.toAbsolutePath());
        return read(name, file);
    }

    static Profile read(String phase, Path file) throws IOException {
        Profile p = new Profile(phase);
        GROUPS.keySet().forEach(g -> p.samplesByGroup.put(g, 0L));
        p.samplesByGroup.put("other", 0L);
        try (RecordingFile recording = new RecordingFile(file)) {
            while (recording.hasMoreEvents()) {
                var event = recording.readEvent();
                if (!event.getEventType().getName().equals("jdk.ExecutionSample")) {
                    continue;
                }
                RecordedStackTrace stack = event.getStackTrace();
                if (stack == null || stack.getFrames().isEmpty()) {
                    continue;
                }
                p.samplesByGroup.merge(groupOf(stack.getFrames()), 1L, Long::sum);
                p.total++;
            }
        }
        return p;
    }

    /** The top frame's component; JDK frames are charged to the first non-JDK caller when there is one. */
    static String groupOf(List<RecordedFrame> frames) {
        for (RecordedFrame frame : frames) {
            if (!frame.isJavaFrame() || frame.getMethod() == null) {
                continue;
            }
            String type = frame.getMethod().getType().getName();
            String group = groupOfType(type);
            if (!group.startsWith("JDK")) {
                return group;
            }
        }
        return frames.get(0).getMethod() == null ? "other" : groupOfType(frames.get(0).getMethod().getType().getName());
    }

    private static String groupOfType(String type) {
        for (Map.Entry<String, String[]> g : GROUPS.entrySet()) {
            for (String prefix : g.getValue()) {
                if (type.startsWith(prefix)) {
                    return g.getKey();
                }
            }
        }
        return "other";
    }

    private static void jcmd(long pid, String... args) throws Exception {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        List<String> cmd = new java.util.ArrayList<>(List.of(jcmd, Long.toString(pid)));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("jcmd " + String.join(" ", args) + " failed: " + out);
        }
    }
}

package io.exflow.console;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

import io.exflow.runtime.config.WorkerRole;

/**
 * The thresholds of the shipped KEDA ScaledObjects, read from {@code keda/thresholds.env} on the
 * classpath — the same file the kustomize KEDA component copies into its ScaledObjects
 * (deploy/kustomize/components/keda/thresholds.env) — and the replica count KEDA would set from them.
 *
 * <p>KEDA's rule, per trigger: {@code ceil(metric / threshold)}; the ScaledObject takes the largest
 * trigger, bounded by its min and max replicas, and for Kafka also by the partition count (the
 * component sets {@code allowIdleConsumers: false}). A metric of 0 (activation threshold 0) leaves
 * the workload at its minimum.
 */
public final class KedaThresholds {
    public static final String RESOURCE = "keda/thresholds.env";
    /** Kafka-lag roles in pipeline order. */
    public static final List<WorkerRole> LAG_ROLES = List.of(WorkerRole.INTAKE, WorkerRole.TRIAGE, WorkerRole.POLICY,
            WorkerRole.PLAYBOOK, WorkerRole.FEEDBACK);

    private final Map<String, Integer> values;

    private KedaThresholds(Map<String, Integer> values) {
        this.values = values;
    }

    public static KedaThresholds fromClasspath() {
        try (InputStream in = KedaThresholds.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the classpath");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + RESOURCE, e);
        }
    }

    /** KEY=VALUE lines (a kustomize env file); every value an integer. */
    public static KedaThresholds parse(String text) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(text));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String key : p.stringPropertyNames()) {
            String raw = p.getProperty(key).trim();
            try {
                out.put(key, Integer.parseInt(raw));
            } catch (NumberFormatException e) {
                throw new IllegalStateException(RESOURCE + ": " + key + " must be an integer, was '" + raw + "'");
            }
        }
        return new KedaThresholds(out);
    }

    public Map<String, Integer> values() {
        return values;
    }

    public int get(String key) {
        Integer v = values.get(key);
        if (v == null) {
            throw new IllegalStateException(RESOURCE + " has no " + key);
        }
        return v;
    }

    public static String prefix(WorkerRole role) {
        return role.id().toUpperCase(Locale.ROOT).replace('-', '_');
    }

    public int minReplicas(WorkerRole role) {
        return get(prefix(role) + "_MIN_REPLICAS");
    }

    public int maxReplicas(WorkerRole role) {
        return get(prefix(role) + "_MAX_REPLICAS");
    }

    public int lagThreshold(WorkerRole role) {
        return get(prefix(role) + "_LAG_THRESHOLD");
    }

    /** Threshold of a tool queue priority: HIGH, DEFAULT or LOW. */
    public int listLength(String priority) {
        return get("TOOL_" + priority + "_LIST_LENGTH");
    }

    /** Replicas for one metric per trigger, each with its own threshold. */
    public static int replicas(long[] metrics, int[] thresholds, int min, int max) {
        long wanted = 0;
        for (int i = 0; i < metrics.length; i++) {
            wanted = Math.max(wanted, (Math.max(0, metrics[i]) + thresholds[i] - 1) / thresholds[i]);
        }
        return (int) Math.max(min, Math.min(max, wanted));
    }

    /** Kafka lag scaler: one trigger per topic of the role, all with the role's lagThreshold; capped at partitions. */
    public int kafkaReplicas(WorkerRole role, long[] lagPerTopic, int partitions) {
        int[] thresholds = new int[lagPerTopic.length];
        java.util.Arrays.fill(thresholds, lagThreshold(role));
        int max = Math.min(maxReplicas(role), Math.max(partitions, minReplicas(role)));
        return replicas(lagPerTopic, thresholds, minReplicas(role), max);
    }

    /** Redis list scaler of the tool role: lengths of the high, default and low lists. */
    public int toolReplicas(long high, long normal, long low) {
        return replicas(new long[] { high, normal, low },
                new int[] { listLength("HIGH"), listLength("DEFAULT"), listLength("LOW") },
                minReplicas(WorkerRole.TOOL), maxReplicas(WorkerRole.TOOL));
    }
}

package io.exflow.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Everything one bench run measured. */
final class Results {
    static final class Run {
        int offered;
        double producedRate;
        int count;
        double throughput;
        double p50;
        double p95;
        double p99;
        double max;
        double dbEventsPerException;
        /** PostgreSQL transactions committed per exception (pg_stat_database.xact_commit). */
        double dbCommitsPerException;
        Map<String, Integer> outcomes = Map.of();
        Map<String, double[]> stageTimes = Map.of();
        /** Hop stages at a fixed load: "stage consumer" -> {count, mean ms} (ExflowMetrics.HopStage timers). */
        Map<String, double[]> hopStages = Map.of();
        Map<String, Double> stageArrival = Map.of();
        /** Per process group: CPU ms per exception and share of the machine's busy time (CpuSampler). */
        Map<String, double[]> cpu = Map.of();
    }

    /** Ingestion through the api: wrk at saturation, a paced client at a fixed rate. */
    static final class Api {
        double saturationRps;
        double saturationP99Ms;
        long saturationErrors;
        int pacedRate;
        double pacedP50Ms;
        double pacedP99Ms;
        long pacedErrors;
    }

    record Footprint(String process, double readySeconds, double idleRssMb, double peakRssMb) {
    }

    static final class Deployment {
        final String name;
        final List<Run> saturation = new ArrayList<>();
        final Map<Integer, Run> fixedLoads = new TreeMap<>();
        final List<Footprint> footprint = new ArrayList<>();
        /** CPU profiles of the first process by phase (BENCH_PROFILE=1). */
        final Map<String, Profile> profiles = new LinkedHashMap<>();
        long deadLetters;
        Api api;
        /** The `history` deployment: sizes of the growing tables after its runs. */
        List<History.TableSize> tableSizes = List.of();

        Deployment(String name) {
            this.name = name;
        }

        /** The run whose throughput is the median of the saturation runs. */
        Run medianSaturation() {
            List<Run> sorted = new ArrayList<>(saturation);
            sorted.sort((a, b) -> Double.compare(a.throughput, b.throughput));
            return sorted.isEmpty() ? null : sorted.get(sorted.size() / 2);
        }

        double median(java.util.function.ToDoubleFunction<Run> f) {
            double[] v = saturation.stream().mapToDouble(f).sorted().toArray();
            return v.length == 0 ? 0 : v[v.length / 2];
        }
    }

    /** A limit: what the machine does for the same work without exflow. */
    record Limit(String name, String what, double rawPerSecond, String rawUnit, double exceptionsPerSecond, String detail) {
    }

    final Map<String, Deployment> deployments = new LinkedHashMap<>();
    final List<Limit> limits = new ArrayList<>();
    double eventBytes;
    /** One tool process against a 150 ms tool (0 when not measured). */
    double toolCallsPerSecond;

    Deployment deployment(String name) {
        return deployments.computeIfAbsent(name, Deployment::new);
    }
}

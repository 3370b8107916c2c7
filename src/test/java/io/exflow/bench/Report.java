package io.exflow.bench;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The console table and the markdown report. */
final class Report {

    static void print(Bench.Settings s, Results r, PrintStream out) {
        out.println();
        out.print(markdown(s, r));
    }

    static String markdown(Bench.Settings s, Results r) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "### Throughput at saturation (%d exceptions, median of %d runs after a %d-exception warm-up)%n%n",
                s.saturationCount(), s.runs(), s.warmup()));
        b.append("| deployment | exceptions/s | runs | p50 ms | p99 ms | events handled per exception | PostgreSQL commits per exception |\n|---|---|---|---|---|---|---|\n");
        r.deployments.values().forEach(d -> {
            StringBuilder runs = new StringBuilder();
            d.saturation.forEach(x -> runs.append(runs.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%.0f", x.throughput)));
            b.append(String.format(Locale.ROOT, "| %s | **%.0f** | %s | %.0f | %.0f | %.1f | %.1f |%n", d.name, d.median(x -> x.throughput), runs,
                    d.median(x -> x.p50), d.median(x -> x.p99), d.median(x -> x.dbEventsPerException),
                    d.median(x -> x.dbCommitsPerException)));
        });
        Results.Deployment empty = r.deployments.get("all");
        Results.Deployment seeded = r.deployments.get("history");
        if (empty != null && seeded != null && !seeded.saturation.isEmpty()) {
            double ratio = seeded.median(x -> x.throughput) / empty.median(x -> x.throughput);
            b.append(String.format(Locale.ROOT, "%n### Throughput with history: %.0f/s on the seeded database, %.0f/s on the empty one (%.0f %%)%n%n",
                    seeded.median(x -> x.throughput), empty.median(x -> x.throughput), 100 * ratio));
            b.append("| table (all partitions) | rows | table | indexes |\n|---|---|---|---|\n");
            seeded.tableSizes.forEach(t -> b.append(String.format(Locale.ROOT, "| %s | %,d | %.0f MB | %.0f MB |%n", t.table(), t.rows(),
                    t.tableBytes() / 1e6, t.indexBytes() / 1e6)));
        }
        b.append("\n### End-to-end latency (ingested -> closed) at fixed offered load\n\n");
        b.append("| deployment | offered/s | generator kept/s | achieved/s | exceptions | p50 ms | p95 ms | p99 ms | max ms |\n|---|---|---|---|---|---|---|---|---|\n");
        r.deployments.values().forEach(d -> d.fixedLoads.forEach((rate, x) -> b.append(String.format(Locale.ROOT,
                "| %s | %d | %.0f | %.0f | %d | %.0f | %.0f | %.0f | %.0f |%n", d.name, rate, x.producedRate, x.throughput, x.count, x.p50, x.p95, x.p99, x.max))));
        r.deployments.values().forEach(d -> d.fixedLoads.entrySet().stream().limit(1).forEach(e -> {
            if (e.getValue().hopStages.isEmpty()) {
                return;
            }
            b.append(String.format(Locale.ROOT, "%n### Where a hop's time goes at %d/s (`%s`, means over the phase)%n%n", e.getKey(), d.name));
            b.append("| stage | consumer | count | mean ms |\n|---|---|---|---|\n");
            e.getValue().hopStages.forEach((k, v) -> {
                String[] parts = k.split(" ", 2);
                b.append(String.format(Locale.ROOT, "| %s | %s | %.0f | %.1f |%n", parts[0], parts[1], v[0], v[1]));
            });
        }));
        b.append("\n### Per stage (median saturation run): handler time per event and when each stage is reached\n\n");
        r.deployments.values().forEach(d -> {
            Results.Run m = d.medianSaturation();
            if (m == null) {
                return;
            }
            b.append("`").append(d.name).append("` — consumer <- event type: events, mean handler ms (exflow_event_processing_seconds)\n\n");
            b.append("| consumer <- event | events | events/s | mean handler ms |\n|---|---|---|---|\n");
            double secs = m.count / Math.max(1, m.throughput);
            for (Map.Entry<String, double[]> e : m.stageTimes.entrySet()) {
                b.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.2f |%n", e.getKey(), e.getValue()[0], e.getValue()[0] / secs,
                        e.getValue()[1]));
            }
            b.append("\n| timeline entry | median ms after ingestion |\n|---|---|\n");
            m.stageArrival.forEach((k, v) -> b.append(String.format(Locale.ROOT, "| %s | %.0f |%n", k, v)));
            b.append("\nWhere the machine's CPU went (`").append(d.name).append("`, same run; /proc utime+stime)\n\n");
            b.append("| process | CPU ms per exception | share of busy CPU |\n|---|---|---|\n");
            double totalMs = m.cpu.values().stream().mapToDouble(v -> v[0]).sum();
            m.cpu.forEach((k, v) -> b.append(String.format(Locale.ROOT, "| %s | %.2f | %.0f %% |%n", k, v[0], 100 * v[1])));
            b.append(String.format(Locale.ROOT, "| **all** | **%.2f** | 100 %% |%n", totalMs));
            b.append('\n');
        });
        r.deployments.values().forEach(d -> {
            if (d.profiles.isEmpty()) {
                return;
            }
            b.append("### Where exflow's CPU goes (`").append(d.name).append("`, JFR execution samples by the component on top of the stack)\n\n");
            b.append("| component |");
            d.profiles.keySet().forEach(phase -> b.append(" ").append(phase).append(" |"));
            b.append("\n|---|");
            d.profiles.keySet().forEach(phase -> b.append("---|"));
            b.append('\n');
            for (String group : d.profiles.values().iterator().next().samplesByGroup.keySet()) {
                b.append("| ").append(group).append(" |");
                d.profiles.values().forEach(p -> b.append(String.format(Locale.ROOT, " %.0f %% |",
                        100.0 * p.samplesByGroup.getOrDefault(group, 0L) / Math.max(1, p.total))));
                b.append('\n');
            }
            b.append("| samples |");
            d.profiles.values().forEach(p -> b.append(" ").append(p.total).append(" |"));
            b.append("\n\n");
        });
        List<String> startupCache = Bench.startupCacheOptions(s);
        b.append("### Footprint (JVM, ").append(s.javaOpts().isBlank() ? "default JVM options" : "`" + s.javaOpts() + "`")
                .append(startupCache.isEmpty() ? ", no start-up cache" : ", `" + String.join(" ", startupCache) + "`").append(")\n\n");
        b.append("| deployment | process | ready s | RSS idle MB | RSS peak under load MB |\n|---|---|---|---|---|\n");
        r.deployments.values().forEach(d -> {
            double total = 0;
            for (Results.Footprint f : d.footprint) {
                b.append(String.format(Locale.ROOT, "| %s | %s | %.2f | %.0f | %.0f |%n", d.name, f.process(), f.readySeconds(), f.idleRssMb(),
                        f.peakRssMb()));
                total += f.peakRssMb();
            }
            if (d.footprint.size() > 1) {
                b.append(String.format(Locale.ROOT, "| %s | **sum** | | | %.0f |%n", d.name, total));
            }
        });
        b.append("\n### Limits measured in the same run, and exflow's ratio to each (`all` deployment)\n\n");
        Results.Deployment all = r.deployments.getOrDefault("all", r.deployments.values().stream().findFirst().orElse(null));
        double exflow = all == null ? 0 : all.median(x -> x.throughput);
        b.append("| limit | what | raw | as exceptions/s | exflow / limit | note |\n|---|---|---|---|---|---|\n");
        Results.Limit binding = null;
        for (Results.Limit l : r.limits) {
            b.append(String.format(Locale.ROOT, "| %s | %s | %.0f %s | %.0f | %.0f %% | %s |%n", l.name(), l.what(), l.rawPerSecond(),
                    l.rawUnit(), l.exceptionsPerSecond(), 100 * exflow / l.exceptionsPerSecond(), l.detail()));
            if (binding == null || l.exceptionsPerSecond() < binding.exceptionsPerSecond()) {
                binding = l;
            }
        }
        if (binding != null) {
            b.append(String.format(Locale.ROOT, "%nThe binding limit is **%s** (%.0f exceptions/s).%n", binding.name(),
                    binding.exceptionsPerSecond()));
        }
        r.deployments.values().stream().filter(d -> d.api != null).forEach(d -> {
            b.append("\n### Ingestion through the api (`").append(d.name).append("`, HTTP + JWT, while the pipeline runs)\n\n");
            b.append("| load | requests/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|\n");
            b.append(String.format(Locale.ROOT, "| wrk, 2 threads x 16 connections, 10 s (saturation) | %.0f | | %.1f | %d |%n",
                    d.api.saturationRps, d.api.saturationP99Ms, d.api.saturationErrors));
            b.append(String.format(Locale.ROOT, "| paced client, %d/s for 10 s | %d | %.1f | %.1f | %d |%n", d.api.pacedRate,
                    d.api.pacedRate, d.api.pacedP50Ms, d.api.pacedP99Ms, d.api.pacedErrors));
        });
        if (r.toolCallsPerSecond > 0) {
            b.append(String.format(Locale.ROOT, "%n**One tool process against a 150 ms tool:** %.0f calls/s.%n", r.toolCallsPerSecond));
        }
        b.append("\n### Targets (this 2-core machine)\n\n| target | measured | met |\n|---|---|---|\n");
        if (all != null) {
            Results.Deployment split = r.deployments.get("split");
            double p99at50 = all.fixedLoads.containsKey(50) ? all.fixedLoads.get(50).p99 : Double.NaN;
            double p99at200 = all.fixedLoads.containsKey(200) ? all.fixedLoads.get(200).p99 : Double.NaN;
            double achieved200 = all.fixedLoads.containsKey(200) ? all.fixedLoads.get(200).throughput : Double.NaN;
            double cpu = all.medianSaturation() == null ? Double.NaN
                    : all.medianSaturation().cpu.values().stream().mapToDouble(v -> v[0]).sum();
            double rss = all.footprint.stream().mapToDouble(Results.Footprint::peakRssMb).max().orElse(Double.NaN);
            double ready = all.footprint.stream().mapToDouble(Results.Footprint::readySeconds).max().orElse(Double.NaN);
            target(b, ">= 600 exceptions/s at saturation (all)", String.format(Locale.ROOT, "%.0f/s", exflow), exflow >= 600);
            if (split != null) {
                double sp = split.median(x -> x.throughput);
                target(b, ">= 350 exceptions/s at saturation (one process per role)", String.format(Locale.ROOT, "%.0f/s", sp), sp >= 350);
            }
            target(b, "p99 <= 250 ms at 50/s (all)", String.format(Locale.ROOT, "%.0f ms", p99at50), p99at50 <= 250);
            target(b, "p99 <= 500 ms at 200/s, 200/s sustained (all)", String.format(Locale.ROOT, "%.0f ms at %.0f/s", p99at200, achieved200),
                    p99at200 <= 500 && achieved200 >= 190);
            target(b, "<= 3.5 ms CPU per exception, all processes (all)", String.format(Locale.ROOT, "%.1f ms", cpu), cpu <= 3.5);
            if (r.toolCallsPerSecond > 0) {
                target(b, ">= 300 calls/s, one tool process, 150 ms tool", String.format(Locale.ROOT, "%.0f/s", r.toolCallsPerSecond),
                        r.toolCallsPerSecond >= 300);
            }
            target(b, "RSS <= 300 MB under load (all)", String.format(Locale.ROOT, "%.0f MB", rss), rss <= 300);
            target(b, "ready <= 3 s on the JVM (all)", String.format(Locale.ROOT, "%.2f s", ready), ready <= 3);
        }
        return b.toString();
    }

    static void target(StringBuilder b, String what, String measured, boolean met) {
        b.append("| ").append(what).append(" | ").append(measured).append(" | ").append(met ? "yes" : "**no**").append(" |\n");
    }
}

package io.exflow.bench;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/** The console table and the markdown report. */
final class Report {
    static final double TARGET_THROUGHPUT = 1000;
    static final double TARGET_P99_AT_200 = 250;
    static final double TARGET_PG_SHARE = 0.5;
    static final double TARGET_RSS = 300;
    static final double TARGET_READY = 3;

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
        b.append("\n### End-to-end latency (ingested -> closed) at fixed offered load\n\n");
        b.append("| deployment | offered/s | generator kept/s | achieved/s | exceptions | p50 ms | p95 ms | p99 ms | max ms |\n|---|---|---|---|---|---|---|---|---|\n");
        r.deployments.values().forEach(d -> d.fixedLoads.forEach((rate, x) -> b.append(String.format(Locale.ROOT,
                "| %s | %d | %.0f | %.0f | %d | %.0f | %.0f | %.0f | %.0f |%n", d.name, rate, x.producedRate, x.throughput, x.count, x.p50, x.p95, x.p99, x.max))));
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
        b.append("### Footprint (JVM, ").append(s.javaOpts().isBlank() ? "default JVM options" : "`" + s.javaOpts() + "`").append(")\n\n");
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
        b.append("\n### Targets (this 2-core machine)\n\n| target | measured | met |\n|---|---|---|\n");
        if (all != null) {
            double p99at200 = all.fixedLoads.containsKey(200) ? all.fixedLoads.get(200).p99 : Double.NaN;
            double pg = r.limits.stream().filter(l -> l.name().equals("postgres")).mapToDouble(Results.Limit::exceptionsPerSecond)
                    .findFirst().orElse(Double.NaN);
            double rss = all.footprint.stream().mapToDouble(Results.Footprint::peakRssMb).max().orElse(Double.NaN);
            double ready = all.footprint.stream().mapToDouble(Results.Footprint::readySeconds).max().orElse(Double.NaN);
            target(b, ">= 1,000 exceptions/s end to end (all)", String.format(Locale.ROOT, "%.0f/s", exflow), exflow >= TARGET_THROUGHPUT);
            target(b, "p99 <= 250 ms at 200/s (all)", String.format(Locale.ROOT, "%.0f ms", p99at200), p99at200 <= TARGET_P99_AT_200);
            target(b, ">= 50 % of the PostgreSQL limit", String.format(Locale.ROOT, "%.0f %% of %.0f/s", 100 * exflow / pg, pg),
                    exflow >= TARGET_PG_SHARE * pg);
            target(b, "RSS <= 300 MB under load (all)", String.format(Locale.ROOT, "%.0f MB", rss), rss <= TARGET_RSS);
            target(b, "ready <= 3 s on the JVM (all)", String.format(Locale.ROOT, "%.2f s", ready), ready <= TARGET_READY);
        }
        return b.toString();
    }

    static void target(StringBuilder b, String what, String measured, boolean met) {
        b.append("| ").append(what).append(" | ").append(measured).append(" | ").append(met ? "yes" : "**no**").append(" |\n");
    }
}

package io.exflow.bench;

import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.exflow.api.DevTokens;

/**
 * The load that drives autoscaling ({@code bin/load}, issue 11): a ramp and then a burst of
 * exceptions submitted through the api (HTTP, JWT), then a wait for the fleet to drain. Every
 * couple of seconds it prints what the console's Queues page shows — read from that page's JSON
 * twin, {@code /console/t/<tenant>/queues.json}, so the lag, queue lengths and KEDA replica
 * previews are the console's own figures (FleetView and KedaThresholds, from the one thresholds
 * file the ScaledObjects use) — next to the offered and accepted submission rates. A summary
 * table at the end; exit status 1 if the fleet did not drain in time.
 */
public final class AutoscalingLoad {
    static final PrintStream OUT = System.out;
    static final ObjectMapper JSON = new ObjectMapper();
    /** The Kafka-lag roles in pipeline order, as the console lists them. */
    static final List<String> GROUP_ROLES = List.of("intake", "triage", "policy", "playbook", "feedback");

    record Settings(String url, String managementUrl, List<String> tenants, String token, int rampFrom, int rampTo,
            int rampSeconds, int burstRate, int burstSeconds, int drainSeconds, double sampleSeconds, int maxInFlight,
            long seed) {
        static Settings fromEnv() {
            Map<String, String> e = System.getenv();
            List<String> tenants = Arrays.stream(e.getOrDefault("LOAD_TENANTS", "bench-bank,bench-health").split(","))
                    .map(String::trim).filter(t -> !t.isEmpty()).toList();
            String token = e.getOrDefault("LOAD_TOKEN", "");
            if (token.isBlank()) {
                // A dev token (the committed dev key): enough for the exflow bin/load starts, or any run
                // with EXFLOW_ALLOW_INSECURE_DEV_KEY=true. Elsewhere, LOAD_TOKEN from your identity provider.
                token = DevTokens.token("load-driver", tenants, List.of("ingest", "operator"));
            }
            return new Settings(e.getOrDefault("LOAD_URL", "http://127.0.0.1:8080").replaceAll("/$", ""),
                    e.getOrDefault("LOAD_MANAGEMENT_URL", ""), tenants, token,
                    integer(e, "LOAD_RAMP_FROM", 10), integer(e, "LOAD_RAMP_TO", 80), integer(e, "LOAD_RAMP_SECONDS", 30),
                    integer(e, "LOAD_BURST_RATE", 300), integer(e, "LOAD_BURST_SECONDS", 15),
                    integer(e, "LOAD_DRAIN_SECONDS", 90), Double.parseDouble(e.getOrDefault("LOAD_SAMPLE_SECONDS", "2")),
                    integer(e, "LOAD_MAX_IN_FLIGHT", 200), Long.parseLong(e.getOrDefault("LOAD_SEED", "42")));
        }

        private static int integer(Map<String, String> e, String name, int fallback) {
            return Integer.parseInt(e.getOrDefault(name, Integer.toString(fallback)).trim());
        }
    }

    /** Submission outcomes, counted as they happen. */
    static final class Counters {
        final AtomicLong offered = new AtomicLong();
        final AtomicLong accepted = new AtomicLong();
        /** Answered, but not 202: 429 when a tenant's rate limit is reached, 503 when the api sheds load. */
        final AtomicLong refused = new AtomicLong();
        /** No answer: connection refused, reset or timed out. */
        final AtomicLong failed = new AtomicLong();
        /** Never sent: the driver already had LOAD_MAX_IN_FLIGHT requests waiting for an answer. */
        final AtomicLong shed = new AtomicLong();

        long[] snapshot() {
            return new long[] { offered.get(), accepted.get(), refused.get(), failed.get(), shed.get() };
        }
    }

    /** One reading of the console's figures. */
    record Sample(double at, String phase, double offeredPerSecond, double acceptedPerSecond, Map<String, long[]> groups,
            long[] toolLengths, long inFlight, int toolReplicas, long outbox, String problem) {
        long totalLag() {
            return groups.values().stream().mapToLong(g -> g[0]).sum();
        }

        boolean drained() {
            return problem == null && totalLag() == 0 && Arrays.stream(toolLengths).sum() == 0 && inFlight == 0 && outbox == 0;
        }
    }

    record PhaseTotals(String name, double seconds, long[] counts) {
    }

    private final Settings s;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final Counters counters = new Counters();
    private final List<Sample> samples = new ArrayList<>();
    private final List<PhaseTotals> phases = new ArrayList<>();
    private volatile String phase = "start";
    private final long t0 = System.nanoTime();

    AutoscalingLoad(Settings s) {
        this.s = s;
    }

    public static void main(String[] args) throws Exception {
        Settings s = Settings.fromEnv();
        boolean drained = new AutoscalingLoad(s).run();
        System.exit(drained ? 0 : 1);
    }

    boolean run() throws Exception {
        if (!s.managementUrl().isBlank()) {
            awaitReady();
        }
        OUT.printf("%nexflow load: ramp %d -> %d exceptions/s over %d s, burst %d/s for %d s, then up to %d s to drain; "
                + "tenants %s, api %s%n", s.rampFrom(), s.rampTo(), s.rampSeconds(), s.burstRate(), s.burstSeconds(),
                s.drainSeconds(), s.tenants(), s.url());
        OUT.printf("figures every %.0f s from %s (the console's Queues page: %s)%n%n", s.sampleSeconds(), figuresUrl(),
                s.url() + "/console/t/" + s.tenants().get(0) + "/queues");
        header();
        Thread sampler = Thread.ofPlatform().daemon().name("load-sampler").start(this::sampleLoop);
        Random random = new Random(s.seed());
        try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            Semaphore inFlight = new Semaphore(s.maxInFlight());
            long[] before = counters.snapshot();
            double started = seconds();
            phase = "ramp";
            send(senders, inFlight, random, s.rampSeconds(), t -> s.rampFrom() + (s.rampTo() - s.rampFrom()) * t / s.rampSeconds());
            before = closePhase("ramp", started, before);
            started = seconds();
            phase = "burst";
            send(senders, inFlight, random, s.burstSeconds(), t -> s.burstRate());
            // The answers to the burst's last requests belong to it.
            inFlight.acquire(s.maxInFlight());
            inFlight.release(s.maxInFlight());
            before = closePhase("burst", started, before);
            started = seconds();
            phase = "drain";
            double burstEnded = started;
            Double drainedAt = null;
            while (seconds() - burstEnded < s.drainSeconds()) {
                Thread.sleep(250);
                Sample last = lastSample();
                Sample previous = previousSample();
                // Drained: two readings in a row with no lag, no queued or in-flight job, empty outbox.
                if (last != null && previous != null && last.at() > burstEnded && previous.at() > burstEnded
                        && last.drained() && previous.drained()) {
                    drainedAt = previous.at();
                    break;
                }
            }
            closePhase("drain", started, before);
            phase = "done";
            sampler.interrupt();
            sampler.join(5000);
            summary(burstEnded, drainedAt);
            return drainedAt != null;
        }
    }

    interface Rate {
        double at(double secondsIntoPhase);
    }

    /** Paces submissions at rate(t) for the phase's duration; each on a virtual thread, at most LOAD_MAX_IN_FLIGHT waiting. */
    private void send(ExecutorService senders, Semaphore inFlight, Random random, int phaseSeconds, Rate rate)
            throws InterruptedException {
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(phaseSeconds);
        long next = start;
        long n = counters.offered.get();
        while (next < end) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            String tenant = s.tenants().get((int) (n % s.tenants().size()));
            byte[] body = payload(random, tenant, n++);
            counters.offered.incrementAndGet();
            if (inFlight.tryAcquire()) {
                senders.execute(() -> {
                    try {
                        submit(tenant, body);
                    } finally {
                        inFlight.release();
                    }
                });
            } else {
                counters.shed.incrementAndGet();
            }
            double perSecond = Math.max(0.5, rate.at((next - start) / 1e9));
            next += (long) (1e9 / perSecond);
        }
    }

    /** A raw submission of one of the tenant's exception types, as the benchmark makes them. */
    private static byte[] payload(Random random, String tenant, long n) {
        for (String[] types : Bench.Load.TYPES) {
            if (types[0].equals(tenant)) {
                return Bench.Load.payload(random, types[1 + random.nextInt(types.length - 1)], n);
            }
        }
        throw new IllegalArgumentException("LOAD_TENANTS: " + tenant + " is not a benchmark tenant (bench/packs: "
                + Arrays.stream(Bench.Load.TYPES).map(t -> t[0]).toList() + ")");
    }

    private void submit(String tenant, byte[] body) {
        try {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(s.url() + "/api/v1/tenants/" + tenant + "/exceptions"))
                    .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + s.token())
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.discarding());
            (r.statusCode() == 202 ? counters.accepted : counters.refused).incrementAndGet();
        } catch (java.io.IOException e) {
            counters.failed.incrementAndGet();
        } catch (InterruptedException e) {
            counters.failed.incrementAndGet();
            Thread.currentThread().interrupt();
        }
    }

    // ---- the console's figures ------------------------------------------------------------------

    private String figuresUrl() {
        return s.url() + "/console/t/" + s.tenants().get(0) + "/queues.json";
    }

    private void sampleLoop() {
        long[] before = counters.snapshot();
        double last = seconds();
        long period = (long) (s.sampleSeconds() * 1e9);
        long next = System.nanoTime() + period;
        try {
            while (!Thread.currentThread().isInterrupted()) {
                TimeUnit.NANOSECONDS.sleep(Math.max(0, next - System.nanoTime()));
                // A slow answer from the console (a saturated process) delays the next line; no catching up in a rush.
                next = Math.max(next, System.nanoTime()) + period;
                long[] now = counters.snapshot();
                double at = seconds();
                double dt = Math.max(0.001, at - last);
                String during = phase;
                Sample sample = read(at, during, (now[0] - before[0]) / dt, (now[1] - before[1]) / dt);
                before = now;
                last = at;
                synchronized (samples) {
                    samples.add(sample);
                }
                line(sample);
            }
        } catch (InterruptedException e) {
            // the run is over
        }
    }

    private Sample read(double at, String phase, double offered, double accepted) throws InterruptedException {
        Map<String, long[]> groups = new LinkedHashMap<>();
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(figuresUrl())).timeout(Duration.ofSeconds(10))
                    .header("Authorization", "Bearer " + s.token()).header("Accept", "application/json").GET().build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            if (r.statusCode() != 200) {
                return new Sample(at, phase, offered, accepted, groups, new long[3], 0, 0, 0,
                        "console answered " + r.statusCode());
            }
            JsonNode f = JSON.readTree(r.body());
            for (JsonNode g : f.path("lag")) {
                groups.put(g.path("role").asText(), new long[] { g.path("totalLag").asLong(), g.path("kedaReplicas").asLong() });
            }
            JsonNode tool = f.path("tool");
            long[] lengths = new long[3];
            for (int i = 0; i < 3 && i < tool.path("queues").size(); i++) {
                lengths[i] = tool.path("queues").get(i).path("length").asLong();
            }
            String problem = f.path("lagProblem").isTextual() ? f.path("lagProblem").asText() : null;
            return new Sample(at, phase, offered, accepted, groups, lengths, tool.path("inFlight").asLong(),
                    tool.path("kedaReplicas").asInt(), f.path("outboxBacklog").asLong(), problem);
        } catch (java.io.IOException e) {
            return new Sample(at, phase, offered, accepted, groups, new long[3], 0, 0, 0, "console: " + e.getMessage());
        }
    }

    private void header() {
        StringBuilder h1 = new StringBuilder(String.format(Locale.ROOT, "%6s %-5s %8s %8s |", "", "", "offered", "accepted"));
        StringBuilder h2 = new StringBuilder(String.format(Locale.ROOT, "%6s %-5s %8s %8s |", "t", "phase", "/s", "/s"));
        h1.append(String.format(Locale.ROOT, " %-54s|", "Kafka lag -> KEDA replicas, per consumer group"));
        for (String role : GROUP_ROLES) {
            h2.append(String.format(Locale.ROOT, " %10s", role));
        }
        h2.append(" |");
        h1.append(String.format(Locale.ROOT, " %-23s| %7s", "Redis tool queues", ""));
        h2.append(String.format(Locale.ROOT, " %11s %6s %4s | %7s", "high/def/low", "flight", "KEDA", "outbox"));
        OUT.println(h1);
        OUT.println(h2);
    }

    private void line(Sample x) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%5.0fs %-5s %8.0f %8.0f |", x.at(), x.phase(),
                x.offeredPerSecond(), x.acceptedPerSecond()));
        if (x.problem() != null) {
            OUT.println(b + " " + x.problem());
            return;
        }
        for (String role : GROUP_ROLES) {
            long[] g = x.groups().getOrDefault(role, new long[2]);
            b.append(String.format(Locale.ROOT, " %10s", g[0] + "->" + g[1]));
        }
        b.append(String.format(Locale.ROOT, " | %11s %6d %4d | %7d", x.toolLengths()[0] + "/" + x.toolLengths()[1] + "/"
                + x.toolLengths()[2], x.inFlight(), x.toolReplicas(), x.outbox()));
        OUT.println(b);
    }

    // ---- summary ---------------------------------------------------------------------------------

    private long[] closePhase(String name, double started, long[] before) {
        long[] now = counters.snapshot();
        long[] delta = new long[now.length];
        for (int i = 0; i < now.length; i++) {
            delta[i] = now[i] - before[i];
        }
        phases.add(new PhaseTotals(name, seconds() - started, delta));
        return now;
    }

    private void summary(double burstEnded, Double drainedAt) {
        List<Sample> all;
        synchronized (samples) {
            all = List.copyOf(samples);
        }
        OUT.printf("%nphase      seconds   offered  accepted  accepted/s  refused  no answer  not sent%n");
        OUT.println("-".repeat(78));
        for (PhaseTotals p : phases) {
            long[] c = p.counts();
            OUT.printf(Locale.ROOT, "%-9s %8.1f %9d %9d %11.0f %8d %10d %9d%n", p.name(), p.seconds(), c[0], c[1],
                    c[1] / Math.max(0.001, p.seconds()), c[2], c[3], c[4]);
        }
        OUT.printf("%nconsumer group       peak lag  at (s)  peak KEDA replicas  lag at end%n");
        OUT.println("-".repeat(70));
        Sample end = all.isEmpty() ? null : all.get(all.size() - 1);
        for (String role : GROUP_ROLES) {
            long peak = -1;
            double at = 0;
            long replicas = 0;
            for (Sample x : all) {
                long[] g = x.groups().get(role);
                if (g != null && g[0] > peak) {
                    peak = g[0];
                    at = x.at();
                }
                if (g != null) {
                    replicas = Math.max(replicas, g[1]);
                }
            }
            long[] last = end == null ? null : end.groups().get(role);
            OUT.printf(Locale.ROOT, "%-20s %9d %7.0f %19d %11s%n", "exflow-" + role, Math.max(0, peak), at, replicas,
                    last == null ? "?" : Long.toString(last[0]));
        }
        long peakTool = all.stream().mapToLong(x -> Arrays.stream(x.toolLengths()).sum()).max().orElse(0);
        int peakToolReplicas = all.stream().mapToInt(Sample::toolReplicas).max().orElse(0);
        long peakOutbox = all.stream().mapToLong(Sample::outbox).max().orElse(0);
        OUT.printf(Locale.ROOT, "%-20s %9d %7s %19d %11s%n", "tool queues", peakTool, "", peakToolReplicas,
                end == null ? "?" : Long.toString(Arrays.stream(end.toolLengths()).sum()));
        OUT.printf(Locale.ROOT, "%-20s %9d%n", "api outbox", peakOutbox);
        long peakLag = all.stream().mapToLong(Sample::totalLag).max().orElse(0);
        if (drainedAt != null) {
            OUT.printf(Locale.ROOT, "%nlag peaked at %d records in all; lag, queues and outbox back to 0 %.0f s after the burst ended%n",
                    peakLag, Math.max(0, drainedAt - burstEnded));
        } else {
            OUT.printf(Locale.ROOT, "%nlag peaked at %d records in all; NOT drained within %d s after the burst (LOAD_DRAIN_SECONDS)%n",
                    peakLag, s.drainSeconds());
        }
    }

    private Sample lastSample() {
        synchronized (samples) {
            return samples.isEmpty() ? null : samples.get(samples.size() - 1);
        }
    }

    private Sample previousSample() {
        synchronized (samples) {
            return samples.size() < 2 ? null : samples.get(samples.size() - 2);
        }
    }

    private double seconds() {
        return (System.nanoTime() - t0) / 1e9;
    }

    private void awaitReady() throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(s.managementUrl() + "/q/health/ready"))
                .timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        OUT.print("waiting for exflow to be ready ");
        while (System.nanoTime() < deadline) {
            try {
                if (http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    OUT.println(" ready");
                    return;
                }
            } catch (java.io.IOException e) {
                // not listening yet
            }
            OUT.print(".");
            Thread.sleep(500);
        }
        throw new IllegalStateException("exflow not ready at " + s.managementUrl() + " within 180 s");
    }
}

package io.exflow.worker.slamonitor;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.exflow.domain.Packs;
import io.exflow.runtime.EventPublisher;
import io.exflow.runtime.config.ExflowSettings;
import io.exflow.runtime.config.WorkerRole;
import io.exflow.runtime.delivery.FailureClassifier;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The sla-monitor role: when this process runs it ({@code WORKER_TYPE=sla-monitor} or a list
 * containing it), a thread scans every {@code SLA_SCAN_INTERVAL} with an {@link SlaScanner};
 * it stops on shutdown after the scan in hand. Any number of replicas may run at once.
 */
@ApplicationScoped
public class SlaMonitor {
    private static final Logger LOG = Logger.getLogger(SlaMonitor.class);

    private final ExflowSettings settings;
    private final Config config;
    private final DataSource dataSource;
    private final EventPublisher publisher;
    private final Packs packs;
    private final ObjectMapper mapper;
    private final MeterRegistry registry;
    @jakarta.inject.Inject
    io.exflow.runtime.tracing.Tracing tracing;
    private volatile SlaMonitorSettings monitorSettings;
    private volatile Thread thread;
    private volatile CountDownLatch stopSignal;
    private volatile CountDownLatch stopped;

    public SlaMonitor(ExflowSettings settings, Config config, DataSource dataSource, EventPublisher publisher, Packs packs,
            ObjectMapper mapper, MeterRegistry registry) {
        this.settings = settings;
        this.config = config;
        this.dataSource = dataSource;
        this.publisher = publisher;
        this.packs = packs;
        this.mapper = mapper;
        this.registry = registry;
    }

    /** After the schema exists: start-up may have waited for PostgreSQL. */
    void onStart(@Observes io.exflow.runtime.startup.DependenciesReady event) {
        if (settings.runs(WorkerRole.SLA_MONITOR)) {
            start();
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        stop(Duration.ofSeconds(10));
    }

    /** Validated on first use, so a bad SLA_* value fails the start-up of a process running the role. */
    public SlaMonitorSettings settings() {
        SlaMonitorSettings s = monitorSettings;
        if (s == null) {
            s = SlaMonitorSettings.load(config);
            monitorSettings = s;
        }
        return s;
    }

    /** A scanner as the role runs it; tests build several to play replicas. */
    public SlaScanner newScanner() {
        return new SlaScanner(dataSource, publisher, packs::all, settings(), settings.tenantAllowlist(), mapper, tracing);
    }

    /** One scan with a fresh scanner, counting what it committed. */
    public List<SlaScanner.Emitted> scanAndCount(SlaScanner scanner) {
        List<SlaScanner.Emitted> emitted = scanner.scanOnce();
        for (SlaScanner.Emitted e : emitted) {
            Counter.builder("exflow.sla.alerts").description("SLA alerts emitted (exactly once per exception and kind)")
                    .tag("kind", e.kind().name().toLowerCase(Locale.ROOT)).register(registry).increment();
            if (e.escalated()) {
                Counter.builder("exflow.sla.escalations").description("Exceptions escalated because their SLA was breached")
                        .tag("tenant", e.tenantId()).register(registry).increment();
            }
        }
        return emitted;
    }

    public synchronized void start() {
        if (thread != null) {
            return;
        }
        SlaMonitorSettings s = settings();
        // Register the series at zero so dashboards and alert rules see them before the first alert.
        for (String kind : List.of("imminent", "breached")) {
            Counter.builder("exflow.sla.alerts").description("SLA alerts emitted (exactly once per exception and kind)")
                    .tag("kind", kind).register(registry);
        }
        CountDownLatch signal = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        SlaScanner scanner = newScanner();
        Thread t = new Thread(() -> loop(scanner, s.scanInterval(), signal, done), "sla-monitor");
        t.setDaemon(true);
        stopSignal = signal;
        stopped = done;
        thread = t;
        t.start();
        LOG.infof("sla-monitor scanning every %s (batch %d, default imminent threshold %s)", s.scanInterval(),
                s.batchSize(), s.imminentThreshold());
    }

    /** Stops after the scan in hand; its transactions either committed or roll back. */
    public synchronized void stop(Duration timeout) {
        if (thread == null) {
            return;
        }
        stopSignal.countDown();
        try {
            if (!stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("sla-monitor scan did not finish in time; its open transaction rolls back");
                thread.interrupt();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        thread = null;
    }

    public boolean running() {
        return thread != null;
    }

    private void loop(SlaScanner scanner, Duration interval, CountDownLatch signal, CountDownLatch done) {
        try {
            while (signal.getCount() > 0) {
                try {
                    List<SlaScanner.Emitted> emitted = scanAndCount(scanner);
                    if (!emitted.isEmpty()) {
                        LOG.debugf("sla-monitor emitted %d alerts", emitted.size());
                    }
                } catch (RuntimeException e) {
                    // Nothing of a failed batch committed; the next scan claims it again.
                    LOG.warnf("sla-monitor scan failed, retrying in %s: %s", interval, FailureClassifier.describe(e));
                }
                if (signal.await(interval.toMillis(), TimeUnit.MILLISECONDS)) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            done.countDown();
        }
    }
}

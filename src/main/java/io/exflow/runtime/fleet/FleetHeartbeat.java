package io.exflow.runtime.fleet;

import java.net.InetAddress;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.exflow.runtime.config.ExflowSettings;
import io.exflow.runtime.config.WorkerRole;
import io.exflow.runtime.delivery.Jdbc;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Every exflow process says it is alive: a row in {@code fleet_process} (roles, host or pod, pid,
 * version, concurrency, start time, events handled per second) refreshed every
 * FLEET_HEARTBEAT_INTERVAL and valid for three intervals. A process that dies stops refreshing and
 * drops out of the console's Workers page when its row expires; a process that stops cleanly
 * deletes its row. A failed refresh (database away) is logged and tried again next interval.
 */
@ApplicationScoped
public class FleetHeartbeat {
    private static final Logger LOG = Logger.getLogger(FleetHeartbeat.class);
    /** Rows expired for longer than this are deleted by whichever process refreshes next. */
    private static final Duration PURGE_AFTER = Duration.ofHours(1);

    private final DataSource dataSource;
    private final ExflowSettings settings;
    private final MeterRegistry registry;
    private final Duration interval;
    private final String version;
    private final String processId;
    private final String host;
    private final long pid = ProcessHandle.current().pid();
    private final Instant startedAt = Instant.now();
    private ScheduledExecutorService timer;
    private double lastTotal = -1;
    private long lastAtNanos;

    public FleetHeartbeat(DataSource dataSource, ExflowSettings settings, MeterRegistry registry,
            @ConfigProperty(name = "quarkus.application.version", defaultValue = "unknown") String version) {
        this.dataSource = dataSource;
        this.settings = settings;
        this.registry = registry;
        this.interval = settings.fleetHeartbeatInterval();
        this.version = version;
        this.host = hostName();
        this.processId = host + ":" + pid + ":" + UUID.randomUUID().toString().substring(0, 8);
    }

    void start(@Observes StartupEvent event) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "exflow-fleet-heartbeat");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::beat, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer == null) {
            return;
        }
        timer.shutdownNow();
        try {
            timer.awaitTermination(2, TimeUnit.SECONDS);
            Jdbc.with(dataSource, c -> {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM fleet_process WHERE process_id = ?")) {
                    ps.setString(1, processId);
                    return ps.executeUpdate();
                }
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.debugf("fleet heartbeat row not removed at shutdown (it expires): %s", e.getMessage());
        }
    }

    public String processId() {
        return processId;
    }

    void beat() {
        try {
            double total = registry.find("exflow.events.processed").counters().stream().mapToDouble(Counter::count).sum();
            long now = System.nanoTime();
            double perSecond = lastTotal < 0 ? 0 : (total - lastTotal) / Math.max(1e-3, (now - lastAtNanos) / 1e9);
            lastTotal = total;
            lastAtNanos = now;
            Instant at = Instant.now();
            Jdbc.with(dataSource, c -> {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO fleet_process (process_id, roles, host, pid, "
                        + "version, concurrency, started_at, heartbeat_at, expires_at, events_total, events_per_sec) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (process_id) DO UPDATE SET "
                        + "heartbeat_at = EXCLUDED.heartbeat_at, expires_at = EXCLUDED.expires_at, "
                        + "events_total = EXCLUDED.events_total, events_per_sec = EXCLUDED.events_per_sec")) {
                    ps.setString(1, processId);
                    ps.setString(2, settings.roles().stream().map(WorkerRole::id).sorted().collect(Collectors.joining(",")));
                    ps.setString(3, host);
                    ps.setLong(4, pid);
                    ps.setString(5, version);
                    ps.setInt(6, settings.concurrency());
                    ps.setTimestamp(7, Timestamp.from(startedAt));
                    ps.setTimestamp(8, Timestamp.from(at));
                    ps.setTimestamp(9, Timestamp.from(at.plus(interval.multipliedBy(3))));
                    ps.setLong(10, (long) total);
                    ps.setDouble(11, perSecond);
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM fleet_process WHERE expires_at < ?")) {
                    ps.setTimestamp(1, Timestamp.from(at.minus(PURGE_AFTER)));
                    return ps.executeUpdate();
                }
            });
        } catch (RuntimeException e) {
            LOG.warnf("fleet heartbeat not written (tried again in %s): %s", interval, e.getMessage());
        }
    }

    private static String hostName() {
        String fromEnv = System.getenv("HOSTNAME"); // the pod name in Kubernetes
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "unknown-host";
        }
    }
}

package io.exflow.runtime.metrics;

import java.sql.PreparedStatement;
import java.sql.ResultSet;

import javax.sql.DataSource;

import org.jboss.logging.Logger;

import io.exflow.runtime.delivery.Jdbc;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;

/** Keeps exflow_dead_letters_pending current: what operators still have to replay or discard. */
@ApplicationScoped
public class DeadLetterGauge {
    private static final Logger LOG = Logger.getLogger(DeadLetterGauge.class);

    private final DataSource dataSource;
    private final ExflowMetrics metrics;

    public DeadLetterGauge(DataSource dataSource, ExflowMetrics metrics) {
        this.dataSource = dataSource;
        this.metrics = metrics;
    }

    @Scheduled(every = "15s", delayed = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void measure() {
        try {
            long pending = Jdbc.with(dataSource, c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM dead_letter WHERE status = 'PENDING'");
                        ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
            metrics.gauge("exflow.dead.letters.pending").set(pending);
        } catch (RuntimeException e) {
            LOG.debugf("pending dead letters not measured: %s", e.getMessage());
        }
    }
}

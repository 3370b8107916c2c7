package io.exflow.worker.slamonitor;

import java.time.Duration;

import org.eclipse.microprofile.config.Config;

import io.exflow.runtime.config.SettingsReader;

/**
 * The sla-monitor's settings, validated when the role starts and read like every exflow setting
 * through {@link SettingsReader}: a bad value stops start-up naming its variable, all at once.
 *
 * @param scanInterval       SLA_SCAN_INTERVAL: pause between scans
 * @param imminentThreshold  SLA_IMMINENT_THRESHOLD: fraction of the SLA window after which an
 *                           open exception without a stored {@code sla_imminent_at} is imminent
 * @param batchSize          SLA_SCAN_BATCH_SIZE: exceptions claimed per transaction
 */
public record SlaMonitorSettings(Duration scanInterval, double imminentThreshold, int batchSize) {

    public static SlaMonitorSettings load(Config config) {
        SettingsReader r = new SettingsReader(config);
        SlaMonitorSettings settings = new SlaMonitorSettings(
                r.duration("exflow.sla.scan-interval", "SLA_SCAN_INTERVAL"),
                r.fractionAbove("exflow.sla.imminent-threshold", "SLA_IMMINENT_THRESHOLD", 0, 1, 0.8),
                r.intIn("exflow.sla.batch-size", "SLA_SCAN_BATCH_SIZE", 1, 10_000));
        r.failIfProblems();
        return settings;
    }
}

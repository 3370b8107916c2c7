package io.exflow.worker.slamonitor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.microprofile.config.Config;

import io.exflow.runtime.config.InvalidConfigException;
import io.quarkus.runtime.configuration.DurationConverter;

/**
 * The sla-monitor's settings, validated when the role starts; a bad value stops start-up with
 * a message naming its variable (all problems at once, like {@code ExflowSettings}).
 *
 * @param scanInterval       SLA_SCAN_INTERVAL: pause between scans
 * @param imminentThreshold  SLA_IMMINENT_THRESHOLD: fraction of the SLA window after which an
 *                           open exception without a stored {@code sla_imminent_at} is imminent
 * @param batchSize          SLA_SCAN_BATCH_SIZE: exceptions claimed per transaction
 */
public record SlaMonitorSettings(Duration scanInterval, double imminentThreshold, int batchSize) {

    public static SlaMonitorSettings load(Config config) {
        List<String> problems = new ArrayList<>();
        Duration interval = Duration.ofSeconds(10);
        String rawInterval = raw(config, "exflow.sla.scan-interval", "PT10S");
        try {
            interval = DurationConverter.parseDuration(rawInterval);
            if (interval == null || interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException();
            }
        } catch (RuntimeException e) {
            problems.add(new InvalidConfigException("SLA_SCAN_INTERVAL",
                    "must be a positive duration such as PT10S, 500ms or 10s, was '" + rawInterval + "'").getMessage());
            interval = Duration.ofSeconds(10);
        }
        double threshold = 0.8;
        String rawThreshold = raw(config, "exflow.sla.imminent-threshold", "0.8");
        try {
            threshold = Double.parseDouble(rawThreshold);
            if (!(threshold > 0 && threshold <= 1)) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            problems.add(new InvalidConfigException("SLA_IMMINENT_THRESHOLD",
                    "must be a number in (0, 1], was '" + rawThreshold + "'").getMessage());
        }
        int batch = 100;
        String rawBatch = raw(config, "exflow.sla.batch-size", "100");
        try {
            batch = Integer.parseInt(rawBatch);
            if (batch < 1 || batch > 10_000) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            problems.add(new InvalidConfigException("SLA_SCAN_BATCH_SIZE",
                    "must be an integer between 1 and 10000, was '" + rawBatch + "'").getMessage());
            batch = 100;
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("exflow cannot start:\n  - " + String.join("\n  - ", problems));
        }
        return new SlaMonitorSettings(interval, threshold, batch);
    }

    private static String raw(Config config, String key, String fallback) {
        return config.getOptionalValue(key, String.class).map(String::trim).orElse(fallback);
    }
}

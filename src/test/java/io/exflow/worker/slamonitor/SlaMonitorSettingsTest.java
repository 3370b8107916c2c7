package io.exflow.worker.slamonitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.eclipse.microprofile.config.Config;
import org.junit.jupiter.api.Test;

import io.exflow.runtime.config.TestConfig;

class SlaMonitorSettingsTest {
    static Config config(Map<String, String> values) {
        return TestConfig.withEnv(values);
    }

    @Test
    void defaultsWhenUnset() {
        SlaMonitorSettings s = SlaMonitorSettings.load(config(Map.of()));
        assertThat(s.scanInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.imminentThreshold()).isEqualTo(0.8);
        assertThat(s.batchSize()).isEqualTo(100);
    }

    @Test
    void acceptsIsoAndShortDurations() {
        assertThat(SlaMonitorSettings.load(config(Map.of("exflow.sla.scan-interval", "500ms"))).scanInterval())
                .isEqualTo(Duration.ofMillis(500));
        assertThat(SlaMonitorSettings.load(config(Map.of("exflow.sla.scan-interval", "PT1M"))).scanInterval())
                .isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void badValuesNameEveryVariableAtOnce() {
        assertThatThrownBy(() -> SlaMonitorSettings.load(config(Map.of("exflow.sla.scan-interval", "often",
                "exflow.sla.imminent-threshold", "1.5", "exflow.sla.batch-size", "0"))))
                .hasMessageContaining("SLA_SCAN_INTERVAL").hasMessageContaining("'often'")
                .hasMessageContaining("SLA_IMMINENT_THRESHOLD").hasMessageContaining("'1.5'")
                .hasMessageContaining("SLA_SCAN_BATCH_SIZE");
        assertThatThrownBy(() -> SlaMonitorSettings.load(config(Map.of("exflow.sla.scan-interval", "0s"))))
                .hasMessageContaining("SLA_SCAN_INTERVAL");
    }
}

package io.exflow.deploy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Alert rules and dashboard: valid, only exported metrics, and the kustomize copies equal the originals. */
class MonitoringTest {

    static final Path ALERTS = Path.of("deploy/prometheus/alerts.yaml");
    static final Path DASHBOARD = Path.of("deploy/grafana/exflow-dashboard.json");
    static final Path COMPONENT = Path.of("deploy/kustomize/components/monitoring");

    @Test
    void alertRulesPassPromtool() {
        Commands.Result result = Commands.run(List.of("promtool", "check", "rules", ALERTS.toString()));
        assertTrue(result.ok(), "promtool rejects " + ALERTS + ":\n" + result.output());
    }

    @Test
    void alertRulesUseOnlyExportedMetrics() {
        assertEquals(List.of(), MonitoringChecks.checkRules(Yaml.read(ALERTS)));
    }

    @Test
    void prometheusRuleCarriesTheSameRules() {
        JsonNode rule = Yaml.read(COMPONENT.resolve("prometheusrule.yaml"));
        assertEquals(Yaml.read(ALERTS).path("groups"), rule.path("spec").path("groups"),
                "components/monitoring/prometheusrule.yaml differs from " + ALERTS + ": copy the groups over");
    }

    @Test
    void dashboardIsValidAndUsesOnlyExportedMetrics() throws Exception {
        assertEquals(List.of(), MonitoringChecks.checkDashboard(Yaml.JSON.readTree(DASHBOARD.toFile())));
    }

    @Test
    void dashboardConfigMapCarriesTheSameDashboard() throws Exception {
        assertArrayEquals(Files.readAllBytes(DASHBOARD), Files.readAllBytes(COMPONENT.resolve("exflow-dashboard.json")),
                "components/monitoring/exflow-dashboard.json differs from " + DASHBOARD + ": copy it over");
    }

    @Test
    void invalidPromqlIsRejected() {
        Path fixture = Fixtures.ROOT.resolve("monitoring/alerts-bad-promql.yaml");
        Commands.Result result = Commands.run(List.of("promtool", "check", "rules", fixture.toString()));
        assertFalse(result.ok(), "promtool accepted " + fixture);
        Fixtures.assertRejected(fixture, List.of(result.output()));
    }

    @Test
    void alertOnUnknownMetricIsRejected() {
        Path fixture = Fixtures.ROOT.resolve("monitoring/alerts-unknown-metric.yaml");
        Fixtures.assertRejected(fixture, MonitoringChecks.checkRules(Yaml.read(fixture)));
    }

    @Test
    void brokenDashboardIsRejected() throws Exception {
        Path fixture = Fixtures.ROOT.resolve("monitoring/dashboard-broken.json");
        Fixtures.assertRejected(fixture, MonitoringChecks.checkDashboard(Yaml.JSON.readTree(fixture.toFile())));
    }

    @Test
    void driftedPrometheusRuleIsDetected() {
        JsonNode drifted = Yaml.read(Fixtures.ROOT.resolve("monitoring/prometheusrule-drift.yaml"));
        assertNotEquals(Yaml.read(ALERTS).path("groups"), drifted.path("spec").path("groups"));
    }
}

package io.exflow.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Checks the Prometheus alert rules and the Grafana dashboard: they may only query metric names
 * exflow exports, and the copies the kustomize monitoring component carries must equal the
 * originals in deploy/prometheus and deploy/grafana.
 */
final class MonitoringChecks {

    private static final Pattern METRIC = Pattern.compile("\\bexflow_[a-z0-9_]+");
    private static final List<String> SERIES_SUFFIXES = List.of("_bucket", "_count", "_sum", "_max");

    /** exflow_* names used in PromQL text that exflow does not export. */
    static Set<String> unknownMetrics(String promql) {
        Set<String> unknown = new TreeSet<>();
        Matcher m = METRIC.matcher(promql);
        while (m.find()) {
            String name = m.group();
            String base = name;
            for (String suffix : SERIES_SUFFIXES) {
                if (name.endsWith(suffix) && DeployContract.METRICS.contains(name.substring(0, name.length() - suffix.length()))) {
                    base = name.substring(0, name.length() - suffix.length());
                }
            }
            if (!DeployContract.METRICS.contains(base)) {
                unknown.add(name);
            }
        }
        return unknown;
    }

    /** Problems of a Prometheus rule file (the `groups:` document). */
    static List<String> checkRules(JsonNode rules) {
        List<String> problems = new ArrayList<>();
        Set<String> names = new TreeSet<>();
        for (JsonNode group : rules.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                String alert = rule.path("alert").asText();
                if (!names.add(alert)) {
                    problems.add("alert " + alert + " is defined twice");
                }
                Set<String> unknown = unknownMetrics(rule.path("expr").asText());
                if (!unknown.isEmpty()) {
                    problems.add("alert " + alert + " queries metrics exflow does not export: " + unknown);
                }
                if (!rule.path("labels").has("severity")) {
                    problems.add("alert " + alert + " has no severity label");
                }
                if (!rule.path("annotations").has("summary")) {
                    problems.add("alert " + alert + " has no summary annotation");
                }
            }
        }
        if (names.isEmpty()) {
            problems.add("no alert rules");
        }
        return problems;
    }

    /** Problems of the Grafana dashboard JSON. */
    static List<String> checkDashboard(JsonNode dashboard) {
        List<String> problems = new ArrayList<>();
        if (dashboard.path("uid").asText().isEmpty()) {
            problems.add("the dashboard has no uid, so provisioning would duplicate it");
        }
        int queries = 0;
        for (JsonNode panel : dashboard.path("panels")) {
            if ("row".equals(panel.path("type").asText())) {
                continue;
            }
            String title = panel.path("title").asText();
            if (!panel.path("targets").isArray() || panel.path("targets").isEmpty()) {
                problems.add("panel '" + title + "' has no query");
            }
            for (JsonNode target : panel.path("targets")) {
                queries++;
                Set<String> unknown = unknownMetrics(target.path("expr").asText());
                if (!unknown.isEmpty()) {
                    problems.add("panel '" + title + "' queries metrics exflow does not export: " + unknown);
                }
                if (!"${datasource}".equals(target.path("datasource").path("uid").asText(panel.path("datasource").path("uid").asText()))) {
                    problems.add("panel '" + title + "' does not use the ${datasource} variable, so it breaks outside one Grafana");
                }
            }
        }
        if (queries == 0) {
            problems.add("the dashboard has no queries");
        }
        return problems;
    }

    private MonitoringChecks() {
    }
}

package io.exflow.deploy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Checks the compose stack (as `docker-compose config` resolves it, env files merged) against
 * the application's configuration and SPEC.md §7: one service per worker type named after it,
 * scalable (no container_name, no fixed host port), health-checked on the management port,
 * started after its dependencies are healthy, and topics created as the application names them.
 */
final class ComposeChecks {

    static final Map<String, String> DEPENDENCIES = Map.of(
            "kafka-init", "service_completed_successfully",
            "postgres", "service_healthy",
            "redis", "service_healthy");

    static List<String> check(AppConfig app, JsonNode compose) {
        List<String> problems = new ArrayList<>();
        JsonNode services = compose.path("services");
        Set<String> partitionCounts = new TreeSet<>();
        for (String role : DeployContract.ROLES) {
            JsonNode service = services.path(role);
            if (service.isMissingNode()) {
                problems.add("no compose service " + role);
                continue;
            }
            Map<String, String> env = Yaml.stringMap(service.path("environment"));
            if (!role.equals(env.get("WORKER_TYPE"))) {
                problems.add(role + ": WORKER_TYPE is " + env.get("WORKER_TYPE") + ", expected " + role);
            }
            String group = env.getOrDefault("GROUP_ID", "");
            if (!group.isEmpty() && !group.equals("exflow-" + role)) {
                problems.add(role + ": GROUP_ID " + group + " differs from the application's group exflow-" + role);
            }
            env.keySet().stream().filter(v -> !app.readsEnv(v))
                    .forEach(v -> problems.add(role + " sets " + v + ", which the application does not read (application.properties)"));
            if (service.has("container_name")) {
                problems.add(role + " has a container_name, so it cannot be scaled");
            }
            for (JsonNode port : service.path("ports")) {
                if (port.has("published")) {
                    problems.add(role + " publishes fixed host port " + port.path("published").asText() + ", so it cannot be scaled");
                }
            }
            String healthcheck = String.join(" ", Yaml.list(service, "healthcheck/test").stream().map(JsonNode::asText).toList());
            int managementPort = app.managementPort(env);
            if (!healthcheck.contains(":" + managementPort + app.healthPaths().get("ready"))) {
                problems.add(role + ": healthcheck `" + healthcheck + "` does not probe " + app.healthPaths().get("ready") + " on the management port " + managementPort);
            }
            for (Map.Entry<String, String> dependency : DEPENDENCIES.entrySet()) {
                String condition = Yaml.text(service, "depends_on/" + dependency.getKey() + "/condition");
                if (!dependency.getValue().equals(condition)) {
                    problems.add(role + ": depends_on " + dependency.getKey() + " must have condition " + dependency.getValue() + " (has " + condition + ")");
                }
            }
            Duration grace = composeDuration(service.path("stop_grace_period").asText("10s"));
            Duration shutdown = app.shutdownTimeout(env);
            if (grace.compareTo(shutdown) <= 0) {
                problems.add(role + ": stop_grace_period " + grace + " must exceed the shutdown timeout " + shutdown);
            }
            partitionCounts.add(String.valueOf(app.topicPartitions(env)));
            String offsetReset = app.resolve("exflow.kafka.auto-offset-reset", env);
            if (!Set.of("earliest", "latest").contains(offsetReset)) {
                problems.add(role + ": KAFKA_AUTO_OFFSET_RESET " + offsetReset + " is neither earliest nor latest");
            }
        }

        JsonNode init = services.path("kafka-init");
        if (init.isMissingNode()) {
            problems.add("no kafka-init service creating the topics");
        } else {
            Map<String, String> env = Yaml.stringMap(init.path("environment"));
            Set<String> topics = new TreeSet<>(Arrays.asList(env.getOrDefault("EXFLOW_TOPICS", "").trim().split("\\s+")));
            Set<String> expected = new TreeSet<>(app.topicNames(env));
            if (!topics.equals(expected)) {
                problems.add("kafka-init creates topics " + topics + ", the application uses " + expected);
            }
            partitionCounts.add(String.valueOf(app.topicPartitions(env)));
        }
        if (partitionCounts.size() > 1) {
            problems.add("TOPIC_PARTITIONS differs between kafka-init and the workers: " + partitionCounts);
        }
        for (String infra : List.of("kafka", "postgres", "redis")) {
            if (services.path(infra).path("healthcheck").isMissingNode()) {
                problems.add(infra + " has no healthcheck, so depends_on conditions cannot wait for it");
            }
        }
        JsonNode postgres = services.path("postgres").path("environment");
        for (String role : DeployContract.ROLES) {
            Map<String, String> env = Yaml.stringMap(services.path(role).path("environment"));
            if (env.isEmpty()) {
                continue;
            }
            String dbUrl = app.resolve("quarkus.datasource.jdbc.url", env);
            String database = dbUrl.replaceFirst(".*/", "").replaceFirst("\\?.*", "");
            if (!database.equals(postgres.path("POSTGRES_DB").asText()) || !app.resolve("quarkus.datasource.username", env).equals(postgres.path("POSTGRES_USER").asText())) {
                problems.add(role + ": DB_URL/DB_USER (" + dbUrl + ", " + app.resolve("quarkus.datasource.username", env)
                        + ") do not match the postgres service's POSTGRES_DB/POSTGRES_USER");
                break;
            }
        }
        return problems;
    }

    /** Prometheus of the monitoring profile scrapes every worker service on the management port. */
    static List<String> checkPrometheus(AppConfig app, JsonNode prometheus, Map<String, String> workerEnv) {
        List<String> problems = new ArrayList<>();
        JsonNode job = Yaml.list(prometheus, "scrape_configs").stream().filter(j -> "exflow".equals(j.path("job_name").asText())).findFirst().orElse(null);
        if (job == null) {
            problems.add("prometheus.yml has no scrape job `exflow` (the alert rules expect job=\"exflow\")");
            return problems;
        }
        if (!app.metricsPath().equals(job.path("metrics_path").asText())) {
            problems.add("prometheus.yml scrapes " + job.path("metrics_path").asText() + ", the application serves " + app.metricsPath());
        }
        Set<String> names = new LinkedHashSet<>();
        for (JsonNode sd : job.path("dns_sd_configs")) {
            Yaml.list(sd, "names").forEach(n -> names.add(n.asText()));
            if (sd.path("port").asInt() != app.managementPort(workerEnv)) {
                problems.add("prometheus.yml scrapes port " + sd.path("port").asInt() + ", the management port is " + app.managementPort(workerEnv));
            }
        }
        if (!new TreeSet<>(names).equals(new TreeSet<>(DeployContract.ROLES))) {
            problems.add("prometheus.yml discovers " + names + ", the worker services are " + DeployContract.ROLES);
        }
        return problems;
    }

    /** Compose durations: 1m30s, 40s, 500ms. */
    static Duration composeDuration(String value) {
        return value.endsWith("ms") ? Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2)))
                : Duration.parse("PT" + value.toUpperCase());
    }

    private ComposeChecks() {
    }
}

package io.exflow.deploy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * compose/ validates with `docker-compose config` (compose v1, as in CI) and agrees with the
 * application; the monitoring profile's Prometheus config is valid and finds every worker.
 */
class ComposeTest {

    private static final AppConfig APP = AppConfig.load();
    static final Path COMPOSE_FILE = Path.of("compose/docker-compose.yml");
    static final Path LOCAL_IMAGES_OVERRIDE = Path.of("compose/docker-compose.local-images.yml");
    static final Path PROMETHEUS_CONFIG = Path.of("compose/prometheus/prometheus.yml");

    @Test
    void composeFileValidates() {
        Commands.Result result = compose(COMPOSE_FILE, "config", "-q");
        assertTrue(result.ok(), "docker-compose config rejects " + COMPOSE_FILE + ":\n" + result.output());
    }

    /** The override bin/compose-check runs with swaps images (and the JVM image's base) and nothing else. */
    @Test
    void localImagesOverrideChangesOnlyTheImages() {
        Commands.Result result = Commands.run(List.of("docker-compose", "-f", COMPOSE_FILE.toString(), "-f", LOCAL_IMAGES_OVERRIDE.toString(),
                "--profile", "monitoring", "config"));
        assertTrue(result.ok(), "docker-compose config rejects " + LOCAL_IMAGES_OVERRIDE + ":\n" + result.output());
        JsonNode withOverride = Yaml.documents(result.stdout()).get(0);
        JsonNode original = resolved(COMPOSE_FILE);
        for (String service : List.of("kafka", "kafka-init", "postgres", "redis", "prometheus", "api", "triage", "tool")) {
            assertTrue(withOverride.path("services").path(service).path("image").asText().startsWith("localhost/exflow/"),
                    service + " does not use a local stand-in image: " + withOverride.path("services").path(service).path("image"));
        }
        assertEquals(withoutImages(original), withoutImages(withOverride));
    }

    @Test
    void composeAgreesWithTheApplication() {
        assertEquals(List.of(), ComposeChecks.check(APP, resolved(COMPOSE_FILE)));
    }

    @Test
    void invalidComposeFileIsRejected() {
        Path fixture = Fixtures.ROOT.resolve("compose/invalid.yml");
        Commands.Result result = compose(fixture, "config", "-q");
        assertFalse(result.ok(), fixture + " was accepted by docker-compose config");
        Fixtures.assertRejected(fixture, List.of(result.output()));
    }

    @Test
    void driftedComposeFileIsRejected() {
        Path fixture = Fixtures.ROOT.resolve("compose/drifted.yml");
        Fixtures.assertRejected(fixture, ComposeChecks.check(APP, resolved(fixture)));
    }

    @Test
    void prometheusScrapesEveryWorker() {
        Commands.Result syntax = Commands.run(List.of("promtool", "check", "config", "--syntax-only", PROMETHEUS_CONFIG.toString()));
        assertTrue(syntax.ok(), "promtool rejects " + PROMETHEUS_CONFIG + ":\n" + syntax.output());
        Map<String, String> workerEnv = Yaml.stringMap(resolved(COMPOSE_FILE).path("services").path("triage").path("environment"));
        assertEquals(List.of(), ComposeChecks.checkPrometheus(APP, Yaml.read(PROMETHEUS_CONFIG), workerEnv));
    }

    @Test
    void brokenPrometheusConfigIsRejected() {
        Path fixture = Fixtures.ROOT.resolve("compose/prometheus-drifted.yml");
        Map<String, String> workerEnv = Yaml.stringMap(resolved(COMPOSE_FILE).path("services").path("triage").path("environment"));
        Fixtures.assertRejected(fixture, ComposeChecks.checkPrometheus(APP, Yaml.read(fixture), workerEnv));
    }

    private static JsonNode withoutImages(JsonNode compose) {
        com.fasterxml.jackson.databind.node.ObjectNode copy = compose.deepCopy();
        copy.path("services").forEach(service -> {
            ((com.fasterxml.jackson.databind.node.ObjectNode) service).remove(List.of("image", "build"));
            // Merging two files may reorder a service's volumes; their order has no meaning.
            if (service.path("volumes").isArray()) {
                List<JsonNode> volumes = new java.util.ArrayList<>();
                service.path("volumes").forEach(volumes::add);
                volumes.sort(java.util.Comparator.comparing(JsonNode::toString));
                ((com.fasterxml.jackson.databind.node.ObjectNode) service).putArray("volumes").addAll(volumes);
            }
        });
        return copy;
    }

    /** The compose model with env files merged, as `docker-compose config` prints it. */
    private static JsonNode resolved(Path file) {
        Commands.Result result = compose(file, "--profile", "monitoring", "config");
        assertTrue(result.ok(), "docker-compose config rejects " + file + ":\n" + result.output());
        return Yaml.documents(result.stdout()).get(0);
    }

    private static Commands.Result compose(Path file, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("docker-compose", "-f", file.toString()));
        command.addAll(List.of(args));
        return Commands.run(command);
    }
}

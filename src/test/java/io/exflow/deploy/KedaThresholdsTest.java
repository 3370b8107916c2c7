package io.exflow.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.exflow.console.KedaThresholds;
import io.exflow.runtime.config.WorkerRole;

/**
 * The KEDA thresholds live in one file, deploy/kustomize/components/keda/thresholds.env: the
 * component's ScaledObjects, once rendered, carry exactly its values, and the copy the console
 * reads from the classpath is the same file.
 */
class KedaThresholdsTest {
    static final Path FILE = Path.of("deploy/kustomize/components/keda/thresholds.env");

    @Test
    void theRenderedComponentCarriesEveryValueOfTheThresholdsFile() throws IOException {
        KedaThresholds file = KedaThresholds.parse(Files.readString(FILE));
        List<JsonNode> scaledObjects = Yaml.ofKind(Kustomize.render(componentOnBase()), "ScaledObject");
        List<String> compared = new ArrayList<>();
        for (WorkerRole role : KedaThresholds.LAG_ROLES) {
            JsonNode so = byName(scaledObjects, "exflow-" + role.id());
            assertThat(so.at("/spec/minReplicaCount").asInt()).as(role + " min").isEqualTo(file.minReplicas(role));
            assertThat(so.at("/spec/maxReplicaCount").asInt()).as(role + " max").isEqualTo(file.maxReplicas(role));
            assertThat(so.at("/spec/triggers")).as(role + " triggers").isNotEmpty();
            for (JsonNode trigger : so.at("/spec/triggers")) {
                assertThat(trigger.at("/type").asText()).isEqualTo("kafka");
                assertThat(trigger.at("/metadata/lagThreshold").asText()).as(role + " lagThreshold")
                        .isEqualTo(String.valueOf(file.lagThreshold(role)));
            }
            compared.addAll(List.of(KedaThresholds.prefix(role) + "_MIN_REPLICAS", KedaThresholds.prefix(role) + "_MAX_REPLICAS",
                    KedaThresholds.prefix(role) + "_LAG_THRESHOLD"));
        }
        JsonNode tool = byName(scaledObjects, "exflow-tool");
        assertThat(tool.at("/spec/minReplicaCount").asInt()).isEqualTo(file.minReplicas(WorkerRole.TOOL));
        assertThat(tool.at("/spec/maxReplicaCount").asInt()).isEqualTo(file.maxReplicas(WorkerRole.TOOL));
        Map<String, String> listByPriority = Map.of("HIGH", "exflow:jobs:tool:high", "DEFAULT", "exflow:jobs:tool:default",
                "LOW", "exflow:jobs:tool:low");
        listByPriority.forEach((priority, list) -> {
            JsonNode trigger = null;
            for (JsonNode t : tool.at("/spec/triggers")) {
                if (list.equals(t.at("/metadata/listName").asText())) {
                    trigger = t;
                }
            }
            assertThat(trigger).as("tool trigger on " + list).isNotNull();
            assertThat(trigger.at("/metadata/listLength").asText()).as(list).isEqualTo(String.valueOf(file.listLength(priority)));
            compared.add("TOOL_" + priority + "_LIST_LENGTH");
        });
        compared.addAll(List.of("TOOL_MIN_REPLICAS", "TOOL_MAX_REPLICAS"));
        // Every key of the file is used by the component (no value the console reads that KEDA does not).
        assertThat(file.values().keySet()).containsExactlyInAnyOrderElementsOf(compared);
    }

    @Test
    void theConsoleReadsTheSameFile() throws IOException {
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(KedaThresholds.RESOURCE)) {
            assertThat(in).as(KedaThresholds.RESOURCE + " on the classpath").isNotNull();
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(Files.readString(FILE));
        }
    }

    @Test
    void theReplicaPreviewFollowsKedasRule() {
        KedaThresholds t = KedaThresholds.parse(Files.exists(FILE) ? read() : "");
        assertThat(t.kafkaReplicas(WorkerRole.INTAKE, new long[] { 0 }, 12)).isEqualTo(t.minReplicas(WorkerRole.INTAKE));
        int threshold = t.lagThreshold(WorkerRole.PLAYBOOK);
        assertThat(t.kafkaReplicas(WorkerRole.PLAYBOOK, new long[] { 1, 0 }, 12)).isEqualTo(1);
        assertThat(t.kafkaReplicas(WorkerRole.PLAYBOOK, new long[] { threshold + 1, threshold * 3L }, 12)).isEqualTo(3);
        // Never more replicas than partitions, nor than the maximum.
        assertThat(t.kafkaReplicas(WorkerRole.PLAYBOOK, new long[] { threshold * 100L, 0 }, 4)).isEqualTo(4);
        assertThat(t.kafkaReplicas(WorkerRole.PLAYBOOK, new long[] { threshold * 100L, 0 }, 100))
                .isEqualTo(t.maxReplicas(WorkerRole.PLAYBOOK));
        int high = t.listLength("HIGH");
        assertThat(t.toolReplicas(high * 2L + 1, 0, 0)).isEqualTo(3);
        assertThat(t.toolReplicas(0, 0, 0)).isEqualTo(t.minReplicas(WorkerRole.TOOL));
    }

    private static String read() {
        try {
            return Files.readString(FILE);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode byName(List<JsonNode> docs, String name) {
        return docs.stream().filter(d -> name.equals(d.at("/metadata/name").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("no ScaledObject " + name));
    }

    /** base + the KEDA component alone (no overlay patches), rendered from a kustomization under target/. */
    private static Path componentOnBase() throws IOException {
        Path dir = Path.of("target/keda-thresholds-check");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("kustomization.yaml"), """
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources:
                  - ../../deploy/kustomize/base
                components:
                  - ../../deploy/kustomize/components/keda
                """);
        return dir;
    }
}

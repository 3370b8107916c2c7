package io.exflow.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs tools/manifest-check: each object is validated by the model of its kind from the packages
 * generated from the upstream schemas (kubernetes-models for Kubernetes, KEDA, Argo CD and the
 * Prometheus Operator; a hand-written schema only for Strimzi's KafkaTopic, which no package
 * models), then by exflow's strictness rules: a field the model's schema does not declare is an
 * error, and so are names, ports and KEDA scaler metadata the API server or KEDA would refuse or
 * ignore. Problems come back as "Kind/name: $.path: message".
 */
final class ManifestModels {

    static final Path TOOL = Path.of("tools/manifest-check");

    /** Problems of the objects in these YAML files; empty when all are valid. */
    static List<String> check(Path... files) {
        if (!Files.isDirectory(TOOL.resolve("node_modules/kubernetes-models"))) {
            fail("the packages of " + TOOL + " are not installed; " + Commands.INSTALL_HINT);
        }
        List<String> command = new ArrayList<>(List.of("node", TOOL.resolve("check-manifests.mjs").toString()));
        for (Path file : files) {
            command.add(file.toString());
        }
        Commands.Result result = Commands.run(command);
        // 0: valid, 1: problems (one a line), anything else: the checker itself failed.
        if (result.exitCode() > 1) {
            fail(String.join(" ", command) + " failed:\n" + result.output());
        }
        List<String> problems = result.stdout().lines().filter(l -> !l.isBlank()).toList();
        if ((result.exitCode() == 1) == problems.isEmpty()) {
            fail(String.join(" ", command) + " exited " + result.exitCode() + " with " + problems.size() + " problems:\n" + result.output());
        }
        return problems;
    }

    /** Problems of already parsed objects (a rendered kustomization). */
    static List<String> check(List<JsonNode> objects) {
        try {
            Path file = Files.createTempFile("exflow-manifests", ".yaml");
            try {
                List<String> documents = new ArrayList<>();
                for (JsonNode object : objects) {
                    documents.add(Yaml.JSON.writeValueAsString(object));
                }
                Files.writeString(file, String.join("\n---\n", documents));
                return check(file);
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the rendered objects for tools/manifest-check", e);
        }
    }

    private ManifestModels() {
    }
}

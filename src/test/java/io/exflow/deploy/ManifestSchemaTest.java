package io.exflow.deploy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every rendered object validates against the schema of its kind: Kubernetes 1.33, KEDA 2.20,
 * Prometheus Operator, Strimzi, Argo CD (src/test/resources/schemas).
 */
class ManifestSchemaTest {

    private static final SchemaCatalog SCHEMAS = SchemaCatalog.load();

    @TestFactory
    Stream<DynamicTest> everyRenderedObjectMatchesItsSchema() {
        List<Path> sources = new ArrayList<>(Kustomize.overlays());
        sources.add(Path.of("deploy/argocd"));
        return sources.stream().map(dir -> DynamicTest.dynamicTest(dir.toString(), () -> {
            List<String> problems = new ArrayList<>();
            for (JsonNode object : Kustomize.render(dir)) {
                problems.addAll(SCHEMAS.validate(object));
            }
            assertEquals(List.of(), problems, dir + " has objects that do not match their schema");
        }));
    }

    @TestFactory
    Stream<DynamicTest> brokenObjectsAreRejected() {
        return Fixtures.list("schema", ".yaml").stream().map(fixture -> DynamicTest.dynamicTest(fixture.getFileName().toString(), () -> {
            List<String> problems = new ArrayList<>();
            Yaml.documents(fixture).forEach(d -> problems.addAll(SCHEMAS.validate(d)));
            Fixtures.assertRejected(fixture, problems);
        }));
    }
}

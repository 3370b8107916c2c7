package io.exflow.deploy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every rendered object validates against the model of its kind, generated from the upstream
 * schemas (Kubernetes, KEDA, Argo CD, Prometheus Operator; Strimzi's KafkaTopic by hand), and
 * passes exflow's strictness rules (no undeclared field; names, ports and KEDA scaler metadata
 * as the API server and KEDA take them). See {@link ManifestModels} and tools/manifest-check.
 */
class ManifestSchemaTest {

    @TestFactory
    Stream<DynamicTest> everyRenderedObjectMatchesItsSchema() {
        List<Path> sources = new ArrayList<>(Kustomize.overlays());
        sources.add(Path.of("deploy/argocd"));
        return sources.stream().map(dir -> DynamicTest.dynamicTest(dir.toString(),
                () -> assertEquals(List.of(), ManifestModels.check(Kustomize.render(dir)), dir + " has objects that do not match their schema")));
    }

    @TestFactory
    Stream<DynamicTest> brokenObjectsAreRejected() {
        return Fixtures.list("schema", ".yaml").stream().map(fixture -> DynamicTest.dynamicTest(fixture.getFileName().toString(),
                () -> Fixtures.assertRejected(fixture, ManifestModels.check(fixture))));
    }
}

package io.exflow.deploy;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Manifests and application agree: topics, partitions vs maxReplicaCount, consumer groups,
 * offset reset, Redis lists, ports, probe paths, env names, shutdown vs grace period, security
 * context, Argo CD vs overlays. Each broken fixture must be caught.
 */
class ManifestConsistencyTest {

    private static final AppConfig APP = AppConfig.load();

    @TestFactory
    Stream<DynamicTest> everyOverlayAgreesWithTheApplication() {
        return Kustomize.overlays().stream().map(overlay -> DynamicTest.dynamicTest(overlay.toString(),
                () -> assertEquals(List.of(), ManifestChecks.check(APP, Kustomize.render(overlay)), overlay + " disagrees with the application")));
    }

    @TestFactory
    Stream<DynamicTest> brokenOverlaysAreRejected() {
        return Fixtures.kustomizations("consistency").stream().map(fixture -> DynamicTest.dynamicTest(fixture.getFileName().toString(),
                () -> Fixtures.assertRejected(fixture.resolve("kustomization.yaml"), ManifestChecks.check(APP, Kustomize.render(fixture)))));
    }

    @Test
    void argoCdDeploysEveryOverlay() {
        assertEquals(List.of(), ArgoCdChecks.check(Kustomize.render(Path.of("deploy/argocd")), renderedOverlays()));
    }

    @TestFactory
    Stream<DynamicTest> brokenArgoCdIsRejected() {
        Map<Path, List<JsonNode>> overlays = renderedOverlays();
        return Fixtures.list("argocd", ".yaml").stream().map(fixture -> DynamicTest.dynamicTest(fixture.getFileName().toString(),
                () -> Fixtures.assertRejected(fixture, ArgoCdChecks.check(Yaml.documents(fixture), overlays))));
    }

    private static Map<Path, List<JsonNode>> renderedOverlays() {
        Map<Path, List<JsonNode>> rendered = new LinkedHashMap<>();
        Kustomize.overlays().forEach(o -> rendered.put(o, Kustomize.render(o)));
        return rendered;
    }
}

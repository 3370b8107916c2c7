package io.exflow.deploy;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every overlay (and the base on its own) renders with `kubectl kustomize`. */
class KustomizeRenderTest {

    @Test
    void theThreeEnvironmentsExist() {
        assertEquals(List.of("dev", "prod", "staging"), Kustomize.overlays().stream().map(p -> p.getFileName().toString()).toList());
    }

    @TestFactory
    Stream<DynamicTest> everyOverlayRenders() {
        return Kustomize.overlays().stream().map(overlay -> DynamicTest.dynamicTest(overlay.toString(), () -> {
            var docs = Kustomize.render(overlay);
            assertTrue(docs.stream().anyMatch(d -> "Deployment".equals(d.path("kind").asText())), overlay + " renders no Deployment");
        }));
    }

    @Test
    void baseRendersWithoutComponents() {
        var docs = Kustomize.render(Kustomize.ROOT.resolve("base"));
        assertEquals(DeployContract.ROLES.size(), Yaml.ofKind(docs, "Deployment").size());
    }

    @Test
    void argoCdManifestsRender() {
        assertEquals(2, Kustomize.render(Path.of("deploy/argocd")).size());
    }

    @TestFactory
    Stream<DynamicTest> brokenKustomizationsAreRejected() {
        return Fixtures.kustomizations("kustomize").stream().map(fixture -> DynamicTest.dynamicTest(fixture.toString(), () -> {
            var error = assertThrows(Kustomize.RenderException.class, () -> Kustomize.render(fixture));
            Fixtures.assertRejected(fixture.resolve("kustomization.yaml"), List.of(error.getMessage()));
        }));
    }
}

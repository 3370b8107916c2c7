package io.exflow.deploy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

/** Renders kustomizations with `kubectl kustomize`, the way Argo CD and `kubectl apply -k` do. */
final class Kustomize {

    static final Path ROOT = Path.of("deploy/kustomize");
    static final Path OVERLAYS = ROOT.resolve("overlays");

    /** Thrown when kustomize refuses a kustomization. */
    static final class RenderException extends RuntimeException {
        RenderException(String message) {
            super(message);
        }
    }

    static List<JsonNode> render(Path dir) {
        Commands.Result result = Commands.run(List.of("kubectl", "kustomize", dir.toString()));
        if (!result.ok()) {
            throw new RenderException("kubectl kustomize " + dir + " failed:\n" + result.stderr());
        }
        List<JsonNode> docs = Yaml.documents(result.stdout());
        if (docs.isEmpty()) {
            throw new RenderException("kubectl kustomize " + dir + " rendered nothing");
        }
        return docs;
    }

    /** Every overlay directory (dev, staging, prod, and any added later). */
    static List<Path> overlays() {
        try (Stream<Path> dirs = Files.list(OVERLAYS)) {
            return dirs.filter(d -> Files.isRegularFile(d.resolve("kustomization.yaml"))).sorted().toList();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot list " + OVERLAYS, e);
        }
    }

    private Kustomize() {
    }
}

package io.exflow.deploy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Both Dockerfiles pass the linter (dockerfile-utils for syntax, {@link DockerfileRules} for the
 * rules that matter), the native image ships only the runner, and the JKube/Jib configuration
 * builds the same JVM image as src/main/docker/Dockerfile.jvm.
 */
class DockerfileTest {

    static final Path JVM = Path.of("src/main/docker/Dockerfile.jvm");
    static final Path NATIVE = Path.of("Dockerfile.native");
    static final Path LOCAL_IMAGES = Path.of("compose/local-images");
    private static final int MANAGEMENT_PORT = AppConfig.load().managementPort(java.util.Map.of());

    @TestFactory
    Stream<DynamicTest> dockerfilesPassTheLinter() {
        return Stream.of(JVM, NATIVE).map(file -> DynamicTest.dynamicTest(file.toString(), () -> {
            Commands.Result lint = Commands.run(List.of("dockerfile-utils", "lint", file.toString()));
            assertTrue(lint.ok(), "dockerfile-utils lint " + file + ":\n" + lint.output());
            assertEquals(List.of(), DockerfileRules.check(Dockerfile.parse(file), MANAGEMENT_PORT));
        }));
    }

    /** The stand-in images bin/compose-check builds where no registry is reachable pass the syntax linter too. */
    @TestFactory
    Stream<DynamicTest> localStandInImagesPassTheLinter() throws java.io.IOException {
        List<Path> files;
        try (Stream<Path> listing = Files.list(LOCAL_IMAGES)) {
            files = listing.filter(f -> f.getFileName().toString().endsWith(".Containerfile")).sorted().toList();
        }
        assertEquals(5, files.size(), "stand-ins for the JVM base, Kafka, PostgreSQL, Redis and Prometheus: " + files);
        return files.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
            Commands.Result lint = Commands.run(List.of("dockerfile-utils", "lint", file.toString()));
            assertTrue(lint.ok(), "dockerfile-utils lint " + file + ":\n" + lint.output());
        }));
    }

    /** Users build on the UBI runtime by default; bin/compose-check swaps the base with --build-arg BASE_IMAGE. */
    @Test
    void jvmBaseImageIsABuildArgumentDefaultingToUbi() throws java.io.IOException {
        List<String> lines = Files.readAllLines(JVM).stream().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertEquals("ARG BASE_IMAGE=registry.access.redhat.com/ubi9/openjdk-21-runtime:1.23", lines.get(0));
        assertEquals("FROM ${BASE_IMAGE}", lines.get(1));
        assertEquals("registry.access.redhat.com/ubi9/openjdk-21-runtime:1.23", Dockerfile.parse(JVM).all("FROM").get(0).arguments());
    }

    @Test
    void thereIsOneNativeDockerfile() {
        assertFalse(Files.exists(Path.of("src/main/docker/Dockerfile.native")), "the native image is built from ./Dockerfile.native only");
    }

    @Test
    void nativeImageBuildsWithMandrelAndShipsOnlyTheRunner() {
        Dockerfile dockerfile = Dockerfile.parse(NATIVE);
        assertTrue(dockerfile.all("FROM").get(0).arguments().contains("mandrel"), "the builder stage is not a Mandrel image");
        assertTrue(dockerfile.all("RUN").stream().anyMatch(r -> r.arguments().contains("-Dnative")), "the builder stage does not run the native build");
        List<Dockerfile.Instruction> copies = dockerfile.inFinalStage("COPY");
        assertEquals(1, copies.size(), "the runtime stage must copy exactly one thing");
        assertTrue(copies.get(0).arguments().contains("--from=build") && copies.get(0).arguments().contains("-runner "),
                "the runtime stage must copy only the native runner: " + copies.get(0).arguments());
    }

    @Test
    void jvmImageUsesTheFastJarLayout() {
        List<String> sources = Dockerfile.parse(JVM).inFinalStage("COPY").stream().map(c -> c.arguments().split("\\s+")[1]).toList();
        assertEquals(List.of("target/quarkus-app/lib/", "target/quarkus-app/*.jar", "target/quarkus-app/app/", "target/quarkus-app/quarkus/"), sources);
    }

    @Test
    void jkubeBuildsTheSameJvmImageAndNoManifests() {
        JkubeImage jkube = JkubeImage.read(Path.of("pom.xml"));
        assertEquals(List.of(), jkube.differences(Dockerfile.parse(JVM)));
        assertEquals("true", jkube.properties().get("jkube.skip.resource"), "JKube must not generate manifests: deploy/kustomize is the source");
        assertEquals("true", jkube.properties().get("jkube.skip.apply"), "JKube must not apply manifests: deploy with kustomize/Argo CD");
        assertEquals("jib", jkube.properties().get("jkube.build.strategy"));
    }

    @Test
    void driftBetweenJkubeAndTheDockerfileIsDetected() {
        Path fixture = Fixtures.ROOT.resolve("docker/jvm-drift.Dockerfile");
        Fixtures.assertRejected(fixture, JkubeImage.read(Path.of("pom.xml")).differences(Dockerfile.parse(fixture)));
    }

    @TestFactory
    Stream<DynamicTest> brokenDockerfilesAreRejected() {
        return Fixtures.list("docker", ".Dockerfile").stream().filter(f -> !f.getFileName().toString().startsWith("jvm-drift"))
                .map(fixture -> DynamicTest.dynamicTest(fixture.getFileName().toString(), () -> {
                    Commands.Result lint = Commands.run(List.of("dockerfile-utils", "lint", fixture.toString()));
                    List<String> problems = new java.util.ArrayList<>(DockerfileRules.check(Dockerfile.parse(fixture), MANAGEMENT_PORT));
                    if (!lint.ok()) {
                        problems.add("dockerfile-utils: " + lint.output());
                    }
                    Fixtures.assertRejected(fixture, problems);
                }));
    }
}

package io.exflow.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Deliberately broken inputs under src/test/resources/deploy-fixtures. Each states what it
 * breaks in `# expect: TEXT` lines (JSON fixtures: `"_expect…": "TEXT"` members); the test
 * asserts the checker reports a problem containing each TEXT, so a fixture cannot pass by
 * failing for an unrelated reason.
 */
final class Fixtures {

    static final Path ROOT = Path.of("src/test/resources/deploy-fixtures");

    static List<Path> list(String dir, String suffix) {
        try (Stream<Path> files = Files.list(ROOT.resolve(dir))) {
            List<Path> found = files.filter(f -> f.getFileName().toString().endsWith(suffix)).sorted().toList();
            assertFalse(found.isEmpty(), "no fixtures in " + ROOT.resolve(dir));
            return found;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sub-directories holding a kustomization.yaml. */
    static List<Path> kustomizations(String dir) {
        try (Stream<Path> dirs = Files.list(ROOT.resolve(dir))) {
            List<Path> found = dirs.filter(d -> Files.isRegularFile(d.resolve("kustomization.yaml"))).sorted().toList();
            assertFalse(found.isEmpty(), "no fixtures in " + ROOT.resolve(dir));
            return found;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<String> expectations(Path file) {
        try {
            List<String> expected = Files.readAllLines(file).stream().map(String::strip)
                    .filter(l -> l.startsWith("# expect:") || l.startsWith("\"_expect"))
                    .map(l -> l.replaceFirst("^# expect:|^\"_expect[^\"]*\":", "").strip().replaceAll("^\"|\",?$", ""))
                    .toList();
            assertFalse(expected.isEmpty(), file + " states no `# expect:` line");
            return expected;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Asserts that every expectation of {@code fixture} matches one of the reported problems. */
    static void assertRejected(Path fixture, List<String> problems) {
        assertFalse(problems.isEmpty(), fixture + " was accepted, but it is broken on purpose");
        for (String expected : expectations(fixture)) {
            assertTrue(problems.stream().anyMatch(p -> p.contains(expected)),
                    fixture + ": expected a problem containing '" + expected + "', got:\n  " + String.join("\n  ", problems));
        }
    }

    private Fixtures() {
    }
}

package io.exflow.deploy;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs the external tools the deployment checks need. A missing tool fails the test with the
 * command that installs it; it never skips.
 */
final class Commands {

    record Result(int exitCode, String stdout, String stderr) {
        boolean ok() {
            return exitCode == 0;
        }

        String output() {
            return (stdout + "\n" + stderr).strip();
        }
    }

    static final String INSTALL_HINT = "run `bash .ci/install-tools.sh` (docker-compose, promtool, dockerfile-utils, the npm packages of tools/)";

    /** Fails the calling test if {@code tool} is not on PATH. */
    static Path require(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, tool);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return fail("`" + tool + "` is not installed; " + (tool.equals("kubectl")
                ? "install kubectl (with its built-in kustomize) from your distribution" : INSTALL_HINT));
    }

    static Result run(List<String> command) {
        return run(command, Path.of("."));
    }

    static Result run(List<String> command, Path workingDir) {
        require(command.get(0));
        List<String> argv = new ArrayList<>(command);
        try {
            Path out = Files.createTempFile("exflow-cmd", ".out");
            Path err = Files.createTempFile("exflow-cmd", ".err");
            try {
                Process p = new ProcessBuilder(argv).directory(workingDir.toFile())
                        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return fail("timed out after 120 s: " + String.join(" ", argv));
                }
                return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            return fail("cannot run " + String.join(" ", argv) + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted: " + String.join(" ", argv));
        }
    }

    private Commands() {
    }
}

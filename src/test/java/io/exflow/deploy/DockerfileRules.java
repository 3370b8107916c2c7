package io.exflow.deploy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The Dockerfile rules that matter for exflow's images (hadolint is not available here;
 * syntax is checked separately with dockerfile-utils): pinned base images, a non-root final
 * user, no remote ADD, no piping downloads into a shell, exec-form entrypoint so SIGTERM reaches
 * the application, no secrets baked into ENV/ARG, and the management port exposed.
 */
final class DockerfileRules {

    private static final Pattern SECRET_NAME = Pattern.compile("(?i).*(PASSWORD|SECRET|TOKEN|PRIVATE_KEY|API_KEY).*");

    static List<String> check(Dockerfile dockerfile, int managementPort) {
        List<String> problems = new ArrayList<>();
        Set<String> stageNames = new HashSet<>();
        for (Dockerfile.Instruction from : dockerfile.all("FROM")) {
            List<String> words = List.of(from.arguments().split("\\s+")).stream().filter(w -> !w.startsWith("--")).toList();
            String image = words.get(0);
            boolean earlierStage = stageNames.contains(image);
            if (words.size() == 3 && words.get(1).equalsIgnoreCase("AS")) {
                stageNames.add(words.get(2));
            }
            if (earlierStage || image.equals("scratch") || image.contains("@sha256:")) {
                continue;
            }
            String lastSegment = image.substring(image.lastIndexOf('/') + 1);
            if (!lastSegment.contains(":")) {
                problems.add(at(from) + "base image " + image + " has no tag; pin one");
            } else if (lastSegment.endsWith(":latest")) {
                problems.add(at(from) + "base image " + image + " uses :latest; pin a version");
            }
        }

        List<Dockerfile.Instruction> users = dockerfile.inFinalStage("USER");
        if (users.isEmpty()) {
            problems.add(dockerfile.path() + ": the final stage never sets USER, so the container runs as root");
        } else {
            String user = users.get(users.size() - 1).arguments().split(":")[0].strip();
            if (user.equals("root") || user.equals("0")) {
                problems.add(at(users.get(users.size() - 1)) + "the final USER is root");
            } else if (!user.matches("[0-9]+")) {
                problems.add(at(users.get(users.size() - 1)) + "USER " + user + " is not numeric; Kubernetes runAsNonRoot can only verify a numeric uid");
            }
        }

        for (Dockerfile.Instruction add : dockerfile.all("ADD")) {
            problems.add(at(add) + (add.arguments().matches("(?s).*https?://.*")
                    ? "ADD of a URL: download in a build stage with a checksum, or COPY" : "ADD of local files: use COPY"));
        }
        for (Dockerfile.Instruction run : dockerfile.all("RUN")) {
            String command = run.arguments();
            if (command.matches("(?s).*\\b(curl|wget)\\b[^|]*\\|\\s*(ba)?sh\\b.*")) {
                problems.add(at(run) + "pipes a download into a shell");
            }
            if (command.matches("(?s).*\\bsudo\\b.*")) {
                problems.add(at(run) + "uses sudo");
            }
        }
        for (String keyword : List.of("ENV", "ARG")) {
            for (Dockerfile.Instruction instruction : dockerfile.all(keyword)) {
                String name = instruction.arguments().split("[=\\s]", 2)[0];
                if (SECRET_NAME.matcher(name).matches()) {
                    problems.add(at(instruction) + keyword + " " + name + " bakes a secret into the image");
                }
            }
        }

        List<Dockerfile.Instruction> entrypoints = new ArrayList<>(dockerfile.inFinalStage("ENTRYPOINT"));
        entrypoints.addAll(dockerfile.inFinalStage("CMD"));
        if (entrypoints.isEmpty()) {
            problems.add(dockerfile.path() + ": the final stage has no ENTRYPOINT or CMD");
        }
        for (Dockerfile.Instruction entry : entrypoints) {
            if (!entry.arguments().startsWith("[")) {
                problems.add(at(entry) + entry.keyword() + " in shell form: the application would not be PID 1 and miss SIGTERM; use the JSON form");
            }
        }

        boolean exposesManagement = dockerfile.inFinalStage("EXPOSE").stream()
                .anyMatch(e -> List.of(e.arguments().split("\\s+")).stream().anyMatch(p -> p.replace("/tcp", "").equals(String.valueOf(managementPort))));
        if (!exposesManagement) {
            problems.add(dockerfile.path() + ": does not EXPOSE the management port " + managementPort);
        }
        return problems;
    }

    private static String at(Dockerfile.Instruction instruction) {
        return "line " + instruction.line() + ": ";
    }

    private DockerfileRules() {
    }
}

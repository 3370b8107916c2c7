package io.exflow.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Dockerfile as a list of instructions (continuation lines joined, comments dropped). FROM lines
 * are kept with the default values of the global ARGs (those before the first FROM) substituted,
 * as Docker resolves them when no --build-arg is given: the rules and the JKube comparison see the
 * image users get.
 */
record Dockerfile(Path path, List<Instruction> instructions) {

    private static final Pattern ARG_REFERENCE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}|\\$([A-Za-z_][A-Za-z0-9_]*)");

    record Instruction(int line, String keyword, String arguments, int stage) {
    }

    static Dockerfile parse(Path path) {
        List<String> lines;
        try {
            lines = Files.readAllLines(path);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + path, e);
        }
        List<Instruction> instructions = new ArrayList<>();
        int stage = -1;
        StringBuilder pending = new StringBuilder();
        int start = 0;
        Map<String, String> globalArgs = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (pending.isEmpty() && (line.isEmpty() || line.startsWith("#"))) {
                continue;
            }
            if (pending.isEmpty()) {
                start = i + 1;
            }
            if (line.startsWith("#")) {
                continue;
            }
            if (line.endsWith("\\")) {
                pending.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            pending.append(line);
            String text = pending.toString().strip();
            pending.setLength(0);
            String[] parts = text.split("\\s+", 2);
            String keyword = parts[0].toUpperCase(Locale.ROOT);
            String arguments = parts.length > 1 ? parts[1].strip() : "";
            if (keyword.equals("FROM")) {
                stage++;
                arguments = substitute(arguments, globalArgs);
            } else if (keyword.equals("ARG") && stage < 0) {
                String[] nameAndDefault = arguments.split("=", 2);
                if (nameAndDefault.length == 2) {
                    globalArgs.put(nameAndDefault[0].strip(), nameAndDefault[1].strip().replaceAll("^\"|\"$", ""));
                }
            }
            instructions.add(new Instruction(start, keyword, arguments, stage));
        }
        return new Dockerfile(path, instructions);
    }

    /** ${NAME} and $NAME replaced by the ARG's default; names without a default stay as written. */
    private static String substitute(String text, Map<String, String> args) {
        Matcher m = ARG_REFERENCE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            m.appendReplacement(out, Matcher.quoteReplacement(args.getOrDefault(name, m.group())));
        }
        return m.appendTail(out).toString();
    }

    int finalStage() {
        return instructions.stream().mapToInt(Instruction::stage).max().orElse(-1);
    }

    List<Instruction> all(String keyword) {
        return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
    }

    List<Instruction> inFinalStage(String keyword) {
        return all(keyword).stream().filter(i -> i.stage() == finalStage()).toList();
    }
}

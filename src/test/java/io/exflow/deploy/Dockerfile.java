package io.exflow.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A Dockerfile as a list of instructions (continuation lines joined, comments dropped). */
record Dockerfile(Path path, List<Instruction> instructions) {

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
            if (keyword.equals("FROM")) {
                stage++;
            }
            instructions.add(new Instruction(start, keyword, parts.length > 1 ? parts[1].strip() : "", stage));
        }
        return new Dockerfile(path, instructions);
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

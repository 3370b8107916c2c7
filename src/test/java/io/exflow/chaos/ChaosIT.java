package io.exflow.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The chaos run's short profile, in {@code ./mvnw verify}: the packaged app (the package phase
 * ran before this) as eleven worker processes on the run's own Kafka, PostgreSQL and Redis, a
 * few hundred exceptions, every kind of fault at least once. The long profile is
 * {@code bin/chaos}. Also scans every process's log for the personal data it sent.
 */
class ChaosIT {

    @Test
    void nothingLostNothingDuplicatedUnderFaults() throws Exception {
        Path root = Path.of("").toAbsolutePath();
        ChaosRun.Config config = new ChaosRun.Config(Integer.getInteger("chaos.exceptions", 200),
                Integer.getInteger("chaos.faults", 13), Long.getLong("chaos.seed", 11L),
                Duration.ofSeconds(Long.getLong("chaos.ingest-seconds", 60)),
                Duration.ofSeconds(Long.getLong("chaos.settle-seconds", 120)), Integer.getInteger("chaos.base-port", 24200),
                root.resolve("target/chaos"));
        ChaosRun.Result result = new ChaosRun(config, root).run();
        System.out.println(result.table());
        assertThat(result.failures()).as(result.table()).isEmpty();
        assertThat(piiLines(result.logs())).as("log lines with personal data the run sent").isEmpty();
    }

    static List<String> piiLines(Path logs) throws IOException {
        List<String> hits = new ArrayList<>();
        List<String> needles = List.of(ChaosRun.PII_EMAIL_DOMAIN, ChaosRun.PII_CARD, ChaosRun.PII_PHONE, ChaosRun.PII_NAME);
        try (Stream<Path> files = Files.list(logs)) {
            for (Path f : files.toList()) {
                for (String line : Files.readAllLines(f)) {
                    if (needles.stream().anyMatch(line::contains)) {
                        hits.add(f.getFileName() + ": " + line);
                    }
                }
            }
        }
        return hits;
    }
}

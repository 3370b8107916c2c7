package io.exflow.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.exflow.runtime.delivery.ReasonCode;
import io.exflow.runtime.event.CloudEventCodec;
import io.exflow.runtime.event.EventEnvelope;
import io.exflow.runtime.event.EventKind;

/**
 * docs/events.md against the code, both ways: a section per {@link EventKind} (and no section
 * for a type the code does not have) with the kind's default topic or Redis lists and schema
 * version; the timeline table lists exactly the entry types written (event types, dead letters,
 * and the handlers' notes); the reason table lists exactly {@link ReasonCode}.
 */
class EventContractTest {
    static final Path DOC = Path.of("docs/events.md");
    static final Path PROPERTIES = Path.of("src/main/resources/application.properties");
    /** A section per event type: "## exflow.exception.ingested" or "## exflow.tool.job (Redis)", then its summary paragraph. */
    static final Pattern SECTION = Pattern.compile("(?m)^## (exflow\\.[a-z.]+)( \\(Redis\\))?\\n\\n((?:.+\\n)+)");
    /** Handlers' timeline notes: {@code context.note("exflow.policy.decision", ...)}. */
    static final Pattern NOTE = Pattern.compile("\\.note\\(\\s*\"(exflow\\.[a-z.-]+)\"");

    static String doc() throws IOException {
        return Files.readString(DOC);
    }

    /** Section of the doc from {@code heading} to the next heading of the same or a higher level. */
    static String section(String doc, String heading) {
        int start = doc.indexOf("\n" + heading + "\n");
        assertThat(start).as("%s has a section '%s'", DOC, heading).isNotNegative();
        String level = heading.substring(0, heading.indexOf(' ') + 1);
        Matcher next = Pattern.compile("(?m)^#{1," + (level.length() - 1) + "} ").matcher(doc);
        int end = next.find(start + heading.length() + 2) ? next.start() : doc.length();
        return doc.substring(start, end);
    }

    /** The first column of every table row of {@code text}, without the backticks. */
    static Set<String> firstColumn(String text) {
        return text.lines().filter(l -> l.startsWith("| `")).map(l -> l.substring(3, l.indexOf('`', 3)))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    static String defaultOf(String property) throws IOException {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(property) + "=\\$\\{[A-Z_]+:([^}]+)}$")
                .matcher(Files.readString(PROPERTIES));
        assertThat(m.find()).as("%s sets %s", PROPERTIES, property).isTrue();
        return m.group(1);
    }

    static String topicProperty(EventKind.LogicalTopic topic) {
        return "exflow.topic." + topic.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    @Test
    void everyEventKindHasItsSectionWithTopicAndSchemaVersionAndNothingElseHasOne() throws IOException {
        Map<String, String> summaries = new LinkedHashMap<>();
        Matcher m = SECTION.matcher(doc());
        while (m.find()) {
            summaries.put(m.group(1), m.group(3).replace('\n', ' '));
        }
        assertThat(summaries.keySet()).containsExactlyInAnyOrderElementsOf(
                Arrays.stream(EventKind.values()).map(EventKind::type).toList());
        for (EventKind kind : EventKind.values()) {
            String summary = summaries.get(kind.type());
            assertThat(summary).as(kind.type()).contains("schema version " + kind.schemaVersion());
            if (kind.topic().isRedisQueue()) {
                String high = defaultOf("exflow.tool.queue.high");
                assertThat(summary).as(kind.type()).startsWith("Redis lists `" + high + "`, `…:default`, `…:low`");
                assertThat(high.replace(":high", ":default")).isEqualTo(defaultOf("exflow.tool.queue.default"));
                assertThat(high.replace(":high", ":low")).isEqualTo(defaultOf("exflow.tool.queue.low"));
            } else {
                assertThat(summary).as(kind.type()).startsWith("Topic `" + defaultOf(topicProperty(kind.topic())) + "`");
            }
        }
    }

    @Test
    void theTimelineTableListsExactlyTheEntryTypesTheCodeWrites() throws IOException {
        Set<String> written = new TreeSet<>();
        Arrays.stream(EventKind.values()).map(EventKind::type).forEach(written::add); // emitted events and dead letters
        try (Stream<Path> sources = Files.walk(Path.of("src/main/java"))) {
            for (Path source : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = NOTE.matcher(Files.readString(source));
                while (m.find()) {
                    written.add(m.group(1));
                }
            }
        }
        assertThat(written).as("notes found in the code").contains("exflow.policy.decision");
        assertThat(firstColumn(section(doc(), "## Timeline entries"))).isEqualTo(written);
    }

    @Test
    void theReasonTableListsExactlyTheReasonCodes() throws IOException {
        assertThat(firstColumn(section(doc(), "### Reason codes"))).isEqualTo(
                Arrays.stream(ReasonCode.values()).map(Enum::name).collect(Collectors.toCollection(TreeSet::new)));
    }

    @Test
    void theAttributeTableNamesEveryHeaderTheCodecWrites() throws IOException {
        Set<String> attributes = firstColumn(section(doc(), "## Attributes (every event)"));
        assertThat(attributes).contains("specversion", "id", "type", "source", "time", "tenantid", "exceptionid",
                "correlationid", "causationid", "schemaversion", "traceparent", "tracestate");
        CloudEventCodec codec = new CloudEventCodec(new ObjectMapper());
        UUID id = UUID.randomUUID();
        Set<String> written = codec.headers(new EventEnvelope(id, "t", "/s", Instant.now(), "tenant", id, id.toString(),
                "cause", 1, null, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "vendor=1")).keySet().stream().filter(h -> h.startsWith("ce_"))
                .map(h -> h.substring(3)).collect(Collectors.toCollection(TreeSet::new));
        assertThat(attributes).isEqualTo(written);
    }
}

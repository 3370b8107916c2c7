package io.exflow.interop;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.core.message.Encoding;
import io.cloudevents.jackson.JsonFormat;
import io.cloudevents.kafka.CloudEventDeserializer;
import io.cloudevents.kafka.CloudEventSerializer;
import io.exflow.api.DevTokens;
import io.exflow.runtime.config.ExflowSettings;
import io.exflow.runtime.event.EventKind;
import io.exflow.testing.Db;
import io.exflow.testing.ExflowTestResources;
import io.exflow.testing.KafkaTestCluster;
import io.exflow.testing.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * CloudEvents interoperability on the real in-process Kafka with every role running: producers
 * written with the official SDKs (Java, and JavaScript with kafkajs) are accepted by intake in
 * both modes, broken attributes and data are dead-lettered at once with their own reasons, and
 * every event exflow puts on a topic is read back by the Java SDK's Kafka deserializer.
 */
@QuarkusTest
@QuarkusTestResource(ExflowTestResources.class)
class CloudEventsInteropIT {
    static final String TENANT = "acme-bank";
    static final Path JS_PRODUCER = Path.of("tools/cloudevents-js");
    static KafkaProducer<String, CloudEvent> binary;
    static KafkaProducer<String, CloudEvent> structured;

    @Inject
    ExflowSettings settings;
    @Inject
    DataSource dataSource;

    static KafkaProducer<String, CloudEvent> sdkProducer(Encoding encoding) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestCluster.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, CloudEventSerializer.class);
        p.put(CloudEventSerializer.ENCODING_CONFIG, encoding);
        p.put(CloudEventSerializer.EVENT_FORMAT_CONFIG, JsonFormat.CONTENT_TYPE);
        return new KafkaProducer<>(p);
    }

    @AfterAll
    static void closeProducers() {
        for (KafkaProducer<String, CloudEvent> p : new ArrayList<>(java.util.Arrays.asList(binary, structured))) {
            if (p != null) {
                p.close(Duration.ofSeconds(5));
            }
        }
    }

    static synchronized void send(Encoding encoding, String topic, UUID exceptionId, CloudEvent event) {
        if (binary == null) {
            binary = sdkProducer(Encoding.BINARY);
            structured = sdkProducer(Encoding.STRUCTURED);
        }
        try {
            (encoding == Encoding.BINARY ? binary : structured)
                    .send(new ProducerRecord<>(topic, TENANT + ":" + exceptionId, event)).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String settlement(long amount) {
        return """
                {"type": "settlement_failed", "source": "core-banking", "entity": "STL-%d", "amount": %d,
                 "currency": "usd", "timestamp": "%s", "settlementId": "S-%d"}
                """.formatted(amount, amount, OffsetDateTime.now().minusMinutes(3), amount);
    }

    /** Only the attributes CloudEvents requires, plus exflow's tenantid and exceptionid. */
    static CloudEventBuilder requiredOnly(UUID exceptionId) {
        return CloudEventBuilder.v1().withId(UUID.randomUUID().toString()).withSource(URI.create("/partner/java-sdk"))
                .withType(EventKind.EXCEPTION_INGESTED.type()).withExtension("tenantid", TENANT)
                .withExtension("exceptionid", exceptionId.toString());
    }

    void awaitRecord(UUID exceptionId) {
        Db db = new Db(dataSource);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> db.count("SELECT count(*) FROM exception_record WHERE id = ?", exceptionId) == 1);
    }

    // ---- producers written with the SDKs -------------------------------------------------

    @Test
    void javaSdkEventsWithOnlyTheRequiredAttributesAreProcessedInBothModes() {
        UUID viaBinary = UUID.randomUUID();
        UUID viaStructured = UUID.randomUUID();
        send(Encoding.BINARY, settings.topics().ingested(), viaBinary,
                requiredOnly(viaBinary).withData(settlement(1_100).getBytes(StandardCharsets.UTF_8)).build());
        send(Encoding.STRUCTURED, settings.topics().ingested(), viaStructured,
                requiredOnly(viaStructured).withData("application/json", settlement(1_200).getBytes(StandardCharsets.UTF_8))
                        .build());
        awaitRecord(viaBinary);
        awaitRecord(viaStructured);
        Db db = new Db(dataSource);
        assertThat(db.count("SELECT count(*) FROM dead_letter WHERE exception_id IN (?, ?)", viaBinary, viaStructured))
                .isZero();
    }

    @Test
    void javascriptSdkProducerWithKafkajsIsProcessedInBothModes() throws Exception {
        if (!Files.isDirectory(JS_PRODUCER.resolve("node_modules/cloudevents"))) {
            throw new AssertionError("the JavaScript producer's packages are not installed; run `bash .ci/install-tools.sh`");
        }
        UUID viaBinary = UUID.randomUUID();
        UUID viaStructured = UUID.randomUUID();
        runJsProducer("binary", viaBinary, settlement(2_100));
        runJsProducer("structured", viaStructured, settlement(2_200));
        awaitRecord(viaBinary);
        awaitRecord(viaStructured);
        Db db = new Db(dataSource);
        assertThat(db.rows("SELECT payload FROM exception_record WHERE id = ?", viaStructured).get(0).get("payload").toString())
                .contains("STL-2200");
    }

    void runJsProducer(String mode, UUID exceptionId, String data) throws Exception {
        Process p = new ProcessBuilder("node", "produce.mjs", KafkaTestCluster.bootstrapServers(), settings.topics().ingested(),
                mode, TENANT, exceptionId.toString(), UUID.randomUUID().toString(), data.replace('\n', ' '))
                .directory(JS_PRODUCER.toFile()).redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the JavaScript producer did not finish within 60 s");
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("node produce.mjs %s: %s", mode, output).isZero();
    }

    // ---- broken events: dead-lettered at once, with their own reasons ----------------------

    @Test
    void malformedTimeAndBadBase64AreDeadLetteredOnFirstDeliveryWithoutHoldingTheKey() {
        UUID exceptionId = UUID.randomUUID();
        String key = TENANT + ":" + exceptionId;
        String badTime = """
                {"specversion": "1.0", "id": "%s", "type": "exflow.exception.ingested", "source": "/partner",
                 "time": "yesterday", "tenantid": "%s", "exceptionid": "%s", "data": {}}
                """.formatted(UUID.randomUUID(), TENANT, exceptionId);
        String badBase64 = """
                {"specversion": "1.0", "id": "%s", "type": "exflow.exception.ingested", "source": "/partner",
                 "tenantid": "%s", "exceptionid": "%s", "data_base64": "!!!not*base64!!!"}
                """.formatted(UUID.randomUUID(), TENANT, exceptionId);
        Map<String, String> structuredHeader = Map.of("content-type", "application/cloudevents+json");
        TestKafka.send(settings.topics().ingested(), key, structuredHeader, badTime.getBytes(StandardCharsets.UTF_8));
        TestKafka.send(settings.topics().ingested(), key, structuredHeader, badBase64.getBytes(StandardCharsets.UTF_8));
        // The good event behind them on the same key goes through straight away, not after retries.
        send(Encoding.STRUCTURED, settings.topics().ingested(), exceptionId,
                requiredOnly(exceptionId).withData("application/json", settlement(3_100).getBytes(StandardCharsets.UTF_8))
                        .build());
        awaitRecord(exceptionId);

        Db db = new Db(dataSource);
        await().atMost(Duration.ofSeconds(20)).until(() -> db.count(
                "SELECT count(*) FROM dead_letter WHERE record_key = ?", key) == 2);
        List<Map<String, Object>> letters = db.rows(
                "SELECT reason, error, attempts, consumer FROM dead_letter WHERE record_key = ? ORDER BY id", key);
        assertThat(letters).extracting(r -> r.get("reason")).containsExactly("INVALID_ATTRIBUTE", "MALFORMED_EVENT");
        assertThat(letters).extracting(r -> r.get("attempts")).containsOnly(1);
        assertThat(letters.get(0).get("error").toString()).contains("'time' is not an RFC 3339 date-time");
        assertThat(letters.get(1).get("error").toString()).contains("data_base64 is not valid base64");
    }

    // ---- what exflow emits, read by the SDK ---------------------------------------------

    @Test
    void everyEventExflowPutsOnATopicIsReadByTheSdkKafkaDeserializer() {
        Db db = new Db(dataSource);
        UUID auto = submit(settlement(12_500));
        UUID approved = submit(settlement(140_000));
        UUID alerted = submit(settlement(150_000));
        await().atMost(Duration.ofSeconds(40)).until(() -> db.count("SELECT count(*) FROM exception_record "
                + "WHERE id IN (?, ?) AND state = 'AWAITING_APPROVAL'", approved, alerted) == 2);
        given().auth().oauth2(token("approver")).contentType("application/json").body("{\"approve\": true}")
                .post("/api/v1/tenants/{t}/exceptions/{id}/approval", TENANT, approved).then().statusCode(200);
        // Past its deadline: sla-monitor's next scan alerts (and, acme-bank escalating on breach, closes it).
        db.execute("UPDATE exception_record SET sla_deadline = now() - interval '1 minute', "
                + "sla_imminent_at = now() - interval '2 minutes' WHERE id = ?", alerted);
        // A well-formed event with a payload intake rejects: its dead letter goes to the topic.
        UUID rejected = UUID.randomUUID();
        send(Encoding.BINARY, settings.topics().ingested(), rejected,
                requiredOnly(rejected).withData("{\"amount\": 1}".getBytes(StandardCharsets.UTF_8)).build());
        await().atMost(Duration.ofSeconds(40)).until(() -> db.count("SELECT count(*) FROM exception_record "
                + "WHERE id IN (?, ?, ?) AND state IN ('RESOLVED', 'ESCALATED')", auto, approved, alerted) == 3);
        await().atMost(Duration.ofSeconds(20)).until(() -> db.count(
                "SELECT count(*) FROM sla_alert WHERE exception_id = ?", alerted) >= 1);

        Set<UUID> ours = Set.of(auto, approved, alerted, rejected);
        List<String> topics = List.of(settings.topics().ingested(), settings.topics().normalized(),
                settings.topics().triaged(), settings.topics().decided(), settings.topics().closed(),
                settings.topics().toolResults(), settings.topics().slaAlerts(), settings.topics().deadletter());
        Set<String> typesRead = new HashSet<>();
        int deadLettersRead = 0;
        await().atMost(Duration.ofSeconds(20)).until(() -> TestKafka.readAll(settings.topics().slaAlerts()).stream()
                .anyMatch(r -> alerted.toString().equals(r.header("ce_exceptionid"))));
        try (CloudEventDeserializer deserializer = new CloudEventDeserializer()) {
            for (String topic : topics) {
                for (TestKafka.Received r : TestKafka.readAll(topic)) {
                    String exception = r.header("ce_exceptionid");
                    if (exception == null || !ours.contains(UUID.fromString(exception))
                            || (topic.equals(settings.topics().ingested()) && !r.header("ce_source").startsWith("/exflow/"))) {
                        continue; // other tests' records, and the ones this test produced itself
                    }
                    RecordHeaders headers = new RecordHeaders();
                    r.headers().forEach((k, v) -> headers.add(k, v.getBytes(StandardCharsets.UTF_8)));
                    CloudEvent read = deserializer.deserialize(topic, headers, r.value());
                    assertThat(read.getSpecVersion().toString()).isEqualTo("1.0");
                    assertThat(read.getId()).isEqualTo(r.header("ce_id"));
                    assertThat(read.getExtension("tenantid")).isEqualTo(TENANT);
                    assertThat(read.getExtension("exceptionid")).isEqualTo(exception);
                    assertThat(read.getData()).isNotNull();
                    if (topic.equals(settings.topics().deadletter())) {
                        deadLettersRead++; // the original record, as its producer wrote it, plus exflow_dl_* headers
                        assertThat(r.header("exflow_dl_reason")).isEqualTo("VALIDATION_FAILED");
                    } else {
                        assertThat(read.getTime()).as("time of %s", read.getType()).isNotNull();
                        assertThat(read.getExtension("correlationid")).isEqualTo(exception);
                        typesRead.add(read.getType());
                    }
                }
            }
        }
        assertThat(typesRead).containsExactlyInAnyOrder(EventKind.EXCEPTION_INGESTED.type(),
                EventKind.EXCEPTION_NORMALIZED.type(), EventKind.EXCEPTION_TRIAGED.type(), EventKind.EXCEPTION_DECIDED.type(),
                EventKind.EXCEPTION_CLOSED.type(), EventKind.TOOL_RESULT.type(), EventKind.SLA_ALERT.type());
        assertThat(deadLettersRead).isPositive();
    }

    static String token(String group) {
        return DevTokens.token("interop-" + group, List.of(TENANT), List.of(group));
    }

    static UUID submit(String body) {
        String id = given().auth().oauth2(token("ingest")).contentType("application/json").body(body)
                .post("/api/v1/tenants/{t}/exceptions", TENANT).then().statusCode(202).extract().path("exceptionId");
        return UUID.fromString(id);
    }
}

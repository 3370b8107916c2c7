package io.exflow.runtime.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.core.message.Encoding;
import io.cloudevents.jackson.JsonFormat;
import io.cloudevents.kafka.CloudEventDeserializer;
import io.cloudevents.kafka.CloudEventSerializer;

/**
 * The codec against the official CloudEvents Java SDK, both ways, without a broker (the broker
 * round trips are io.exflow.interop.CloudEventsInteropIT): what the SDK's Kafka serializer writes
 * is decoded, and what the codec writes the SDK reads with the same attributes.
 */
class CloudEventsSdkConformanceTest {
    static final String TOPIC = "exflow.exceptions.ingested";
    final ObjectMapper mapper = new ObjectMapper().findAndRegisterModules();
    final CloudEventCodec codec = new CloudEventCodec(mapper);
    final UUID exceptionId = UUID.randomUUID();
    final byte[] json = "{\"type\": \"settlement_failed\", \"amount\": 12}".getBytes(StandardCharsets.UTF_8);

    /** Only what CloudEvents requires (specversion, id, source, type) plus exflow's two required extensions. */
    CloudEventBuilder requiredOnly() {
        return CloudEventBuilder.v1().withId(UUID.randomUUID().toString()).withSource(URI.create("/partner/ledger"))
                .withType("exflow.exception.ingested").withExtension("tenantid", "acme-bank")
                .withExtension("exceptionid", exceptionId.toString());
    }

    static Map<String, String> serialize(Encoding encoding, CloudEvent event, RecordHeaders headers, byte[][] value) {
        try (CloudEventSerializer serializer = new CloudEventSerializer()) {
            serializer.configure(Map.of(CloudEventSerializer.ENCODING_CONFIG, encoding,
                    CloudEventSerializer.EVENT_FORMAT_CONFIG, JsonFormat.CONTENT_TYPE), false);
            value[0] = serializer.serialize(TOPIC, headers, event);
        }
        Map<String, String> decoded = new HashMap<>();
        for (Header h : headers) {
            decoded.put(h.key(), new String(h.value(), StandardCharsets.UTF_8));
        }
        return decoded;
    }

    EventEnvelope throughSdk(Encoding encoding, CloudEvent event) {
        byte[][] value = new byte[1][];
        Map<String, String> headers = serialize(encoding, event, new RecordHeaders(), value);
        return codec.decode(headers, value[0]);
    }

    @ParameterizedTest
    @EnumSource(value = Encoding.class, names = {"BINARY", "STRUCTURED"})
    void sdkEventsWithOnlyTheRequiredAttributesAreAccepted(Encoding encoding) {
        CloudEvent event = requiredOnly().withData(json).build();
        Instant before = Instant.now();
        EventEnvelope decoded = throughSdk(encoding, event);
        assertThat(decoded.id()).hasToString(event.getId());
        assertThat(decoded.type()).isEqualTo("exflow.exception.ingested");
        assertThat(decoded.source()).isEqualTo("/partner/ledger");
        assertThat(decoded.tenantId()).isEqualTo("acme-bank");
        assertThat(decoded.exceptionId()).isEqualTo(exceptionId);
        assertThat(decoded.correlationId()).isEqualTo(exceptionId.toString());
        assertThat(decoded.schemaVersion()).isEqualTo(1);
        assertThat(decoded.time()).isBetween(before, Instant.now()); // no time: when it was read
        assertThat(decoded.data().get("amount").asInt()).isEqualTo(12);
    }

    @ParameterizedTest
    @EnumSource(value = Encoding.class, names = {"BINARY", "STRUCTURED"})
    void sdkEventsWithEveryOptionalAttributeAreAccepted(Encoding encoding) {
        OffsetDateTime time = OffsetDateTime.parse("2026-11-22T10:15:30.250+01:00");
        CloudEvent event = requiredOnly().withTime(time).withSubject("STL-1").withDataSchema(URI.create("urn:example:v1"))
                .withExtension("correlationid", "batch-7").withExtension("causationid", "upstream-1")
                .withExtension("schemaversion", 1).withData("application/json", json).build();
        EventEnvelope decoded = throughSdk(encoding, event);
        assertThat(decoded.time()).isEqualTo(time.toInstant());
        assertThat(decoded.correlationId()).isEqualTo("batch-7");
        assertThat(decoded.causationId()).isEqualTo("upstream-1");
        assertThat(decoded.data().get("type").asText()).isEqualTo("settlement_failed");
    }

    @Test
    void structuredSdkEventsWithBase64DataAreAccepted() {
        // A non-JSON content type makes the SDK's JSON format write data_base64.
        CloudEvent event = requiredOnly().withData("application/octet-stream", json).build();
        byte[][] value = new byte[1][];
        Map<String, String> headers = serialize(Encoding.STRUCTURED, event, new RecordHeaders(), value);
        assertThat(new String(value[0], StandardCharsets.UTF_8)).contains("\"data_base64\"");
        assertThat(codec.decode(headers, value[0]).data().get("amount").asInt()).isEqualTo(12);
    }

    EventEnvelope emitted(EventKind kind) {
        UUID exception = UUID.randomUUID();
        return new EventEnvelope(UUID.randomUUID(), kind.type(), "/exflow/test", Instant.now(), "acme-bank", exception,
                exception.toString(), UUID.randomUUID().toString(), kind.schemaVersion(),
                mapper.createObjectNode().put("kind", kind.name()));
    }

    static void assertSameEvent(CloudEvent read, EventEnvelope sent) {
        assertThat(read.getSpecVersion().toString()).isEqualTo("1.0");
        assertThat(read.getId()).isEqualTo(sent.id().toString());
        assertThat(read.getType()).isEqualTo(sent.type());
        assertThat(read.getSource()).hasToString(sent.source());
        assertThat(read.getTime().toInstant()).isEqualTo(sent.time());
        assertThat(read.getDataContentType()).isEqualTo("application/json");
        assertThat(read.getExtension("tenantid")).isEqualTo(sent.tenantId());
        assertThat(read.getExtension("exceptionid")).isEqualTo(sent.exceptionId().toString());
        assertThat(read.getExtension("correlationid")).isEqualTo(sent.correlationId());
        assertThat(read.getExtension("causationid")).isEqualTo(sent.causationId());
        assertThat(read.getExtension("schemaversion").toString()).isEqualTo(Integer.toString(sent.schemaVersion()));
    }

    @ParameterizedTest
    @EnumSource(EventKind.class)
    void everyEventTheCodecWritesTheSdkReadsInBothModes(EventKind kind) throws Exception {
        EventEnvelope sent = emitted(kind);
        RecordHeaders headers = new RecordHeaders();
        codec.headers(sent).forEach((k, v) -> headers.add(k, v.getBytes(StandardCharsets.UTF_8)));
        try (CloudEventDeserializer deserializer = new CloudEventDeserializer()) {
            CloudEvent binary = deserializer.deserialize(TOPIC, headers, codec.dataBytes(sent));
            assertSameEvent(binary, sent);
            assertThat(mapper.readTree(binary.getData().toBytes())).isEqualTo(sent.data());
        }
        CloudEvent structured = new JsonFormat().deserialize(codec.structured(sent));
        assertSameEvent(structured, sent);
        assertThat(mapper.readTree(structured.getData().toBytes())).isEqualTo(sent.data());
    }
}

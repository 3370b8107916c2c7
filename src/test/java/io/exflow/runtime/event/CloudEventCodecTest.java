package io.exflow.runtime.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.exflow.runtime.delivery.PermanentFailure;
import io.exflow.runtime.delivery.ReasonCode;

class CloudEventCodecTest {
    final ObjectMapper mapper = new ObjectMapper().findAndRegisterModules();
    final CloudEventCodec codec = new CloudEventCodec(mapper);
    final UUID exceptionId = UUID.randomUUID();

    EventEnvelope sample() {
        return new EventEnvelope(UUID.randomUUID(), "exflow.exception.triaged", "/exflow/triage",
                Instant.parse("2026-11-22T10:15:30Z"), "acme-bank", exceptionId, exceptionId.toString(), "cause-1", 1,
                mapper.createObjectNode().put("severity", "HIGH"));
    }

    @Test
    void binaryModeRoundTrips() {
        EventEnvelope e = sample();
        Map<String, String> headers = codec.headers(e);
        assertThat(headers).containsEntry("ce_specversion", "1.0").containsEntry("ce_tenantid", "acme-bank")
                .containsEntry("ce_causationid", "cause-1").containsEntry("content-type", "application/json");
        assertThat(codec.decode(headers, codec.dataBytes(e))).isEqualTo(e);
    }

    @Test
    void traceContextTravelsAsTheDistributedTracingExtensionInBothModes() throws Exception {
        EventEnvelope plain = sample();
        EventEnvelope traced = new EventEnvelope(plain.id(), plain.type(), plain.source(), plain.time(), plain.tenantId(),
                plain.exceptionId(), plain.correlationId(), plain.causationId(), 1, plain.data(),
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "vendor=opaque");
        Map<String, String> headers = codec.headers(traced);
        assertThat(headers).containsEntry("ce_traceparent", traced.traceparent()).containsEntry("ce_tracestate", "vendor=opaque");
        assertThat(codec.decode(headers, codec.dataBytes(traced))).isEqualTo(traced);
        assertThat(mapper.readTree(codec.structured(traced)).get("traceparent").asText()).isEqualTo(traced.traceparent());
        assertThat(codec.decode(Map.of(), codec.structured(traced))).isEqualTo(traced);
        // an untraced event has neither header, and the relay's trace headers of a Redis job are empty
        assertThat(codec.headers(plain)).doesNotContainKeys("ce_traceparent", "ce_tracestate");
        assertThat(codec.traceHeaders(plain)).isEmpty();
        assertThat(codec.traceHeaders(traced)).containsEntry("ce_traceparent", traced.traceparent())
                .containsEntry("ce_exceptionid", exceptionId.toString());
    }

    @Test
    void aMalformedTraceparentIsNoReasonToRejectAnEvent() {
        EventEnvelope e = sample();
        Map<String, String> headers = new HashMap<>(codec.headers(e));
        headers.put("ce_traceparent", "not-a-traceparent");
        assertThat(codec.decode(headers, codec.dataBytes(e)).id()).isEqualTo(e.id());
        assertThat(io.exflow.runtime.tracing.Tracing.parentOf(headers))
                .isSameAs(io.opentelemetry.context.Context.root()); // ignored: the handler starts a trace of its own
    }

    @Test
    void structuredModeIsAccepted() {
        String json = """
                {"specversion": "1.0", "id": "%s", "type": "exflow.exception.ingested", "source": "/partner",
                 "time": "2026-11-22T10:15:30+01:00", "tenantid": "acme-bank", "exceptionid": "%s",
                 "datacontenttype": "application/json", "data": {"type": "LEDGER_BREAK"}}
                """.formatted(UUID.randomUUID(), exceptionId);
        EventEnvelope e = codec.decode(Map.of("content-type", "application/cloudevents+json"),
                json.getBytes(StandardCharsets.UTF_8));
        assertThat(e.tenantId()).isEqualTo("acme-bank");
        assertThat(e.correlationId()).isEqualTo(exceptionId.toString()); // defaults to the exception id
        assertThat(e.schemaVersion()).isEqualTo(1);
        assertThat(e.time()).isEqualTo(Instant.parse("2026-11-22T09:15:30Z"));
        assertThat(e.data().get("type").asText()).isEqualTo("LEDGER_BREAK");
    }

    @Test
    void eachBrokenAttributeHasItsReason() {
        EventEnvelope e = sample();
        byte[] data = codec.dataBytes(e);
        for (String attribute : new String[] {"ce_id", "ce_type", "ce_source", "ce_exceptionid"}) {
            Map<String, String> headers = new HashMap<>(codec.headers(e));
            headers.remove(attribute);
            assertThatThrownBy(() -> codec.decode(headers, data)).isInstanceOf(PermanentFailure.class)
                    .extracting(t -> ((PermanentFailure) t).reason()).isEqualTo(ReasonCode.MISSING_ATTRIBUTE);
        }
        Map<String, String> noSpecVersion = new HashMap<>(codec.headers(e));
        noSpecVersion.remove("ce_specversion");
        assertThatThrownBy(() -> codec.decode(noSpecVersion, data))
                .extracting(t -> ((PermanentFailure) t).reason()).isEqualTo(ReasonCode.MISSING_ATTRIBUTE);
        assertThatThrownBy(() -> codec.decode(codec.headers(e), "{oops".getBytes(StandardCharsets.UTF_8)))
                .extracting(t -> ((PermanentFailure) t).reason()).isEqualTo(ReasonCode.MALFORMED_EVENT);
        assertThatThrownBy(() -> codec.decode(Map.of(), "plain text".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(PermanentFailure.class);
    }

    @Test
    void missingTenantIsLeftToTheTenantGuard() {
        Map<String, String> headers = new HashMap<>(codec.headers(sample()));
        headers.remove("ce_tenantid");
        assertThat(codec.decode(headers, codec.dataBytes(sample())).tenantId()).isNull();
    }

    // ---- present but malformed is not missing --------------------------------------------

    void assertInvalid(String header, String value, String message) {
        EventEnvelope e = sample();
        Map<String, String> headers = new HashMap<>(codec.headers(e));
        headers.put(header, value);
        assertThatThrownBy(() -> codec.decode(headers, codec.dataBytes(e))).isInstanceOf(PermanentFailure.class)
                .hasMessageContaining(message)
                .extracting(t -> ((PermanentFailure) t).reason()).isEqualTo(ReasonCode.INVALID_ATTRIBUTE);
    }

    @Test
    void aPresentButMalformedAttributeIsInvalidNotMissing() {
        for (String notRfc3339 : new String[] {"yesterday", "2026-11-22T10:15Z", "2026-11-22 10:15:30Z",
                "2026-11-22T10:15:30", "2026-11-22T10:15:30+0100", "2026-13-22T10:15:30Z", "1732270530"}) {
            assertInvalid("ce_time", notRfc3339, "RFC 3339");
        }
        assertInvalid("ce_id", "order-42", "'id' is not a UUID");
        assertInvalid("ce_exceptionid", "EX-1", "'exceptionid' is not a UUID");
        assertInvalid("ce_specversion", "0.3", "specversion must be 1.0");
        assertInvalid("ce_source", "not a uri", "'source' is not a URI reference");
        assertInvalid("ce_schemaversion", "two", "'schemaversion' is not an integer");
    }

    @Test
    void rfc3339TimesInEveryAllowedSpellingAreAccepted() {
        assertThat(CloudEventCodec.time("2026-11-22T10:15:30Z")).isEqualTo(Instant.parse("2026-11-22T10:15:30Z"));
        assertThat(CloudEventCodec.time("2026-11-22t10:15:30.123456z")).isEqualTo(Instant.parse("2026-11-22T10:15:30.123456Z"));
        assertThat(CloudEventCodec.time("2026-11-22T10:15:30-05:00")).isEqualTo(Instant.parse("2026-11-22T15:15:30Z"));
    }

    @Test
    void timeIsOptionalAndThenTheTimeTheEventWasRead() {
        EventEnvelope e = sample();
        Map<String, String> headers = new HashMap<>(codec.headers(e));
        headers.remove("ce_time");
        Instant before = Instant.now();
        Instant read = codec.decode(headers, codec.dataBytes(e)).time();
        assertThat(read).isBetween(before, Instant.now());
    }

    @Test
    void badBase64IsAPermanentMalformedEvent() {
        String json = """
                {"specversion": "1.0", "id": "%s", "type": "exflow.exception.ingested", "source": "/partner",
                 "tenantid": "acme-bank", "exceptionid": "%s", "data_base64": "!!!not*base64!!!"}
                """.formatted(UUID.randomUUID(), exceptionId);
        assertThatThrownBy(() -> codec.decode(Map.of("content-type", "application/cloudevents+json"),
                json.getBytes(StandardCharsets.UTF_8))).isInstanceOf(PermanentFailure.class)
                .hasMessageContaining("data_base64 is not valid base64")
                .extracting(t -> ((PermanentFailure) t).reason()).isEqualTo(ReasonCode.MALFORMED_EVENT);
        String both = json.replace("\"data_base64\"", "\"data\": {}, \"data_base64\"").replace("!!!not*base64!!!", "e30=");
        assertThatThrownBy(() -> codec.decode(Map.of("content-type", "application/cloudevents+json"),
                both.getBytes(StandardCharsets.UTF_8))).hasMessageContaining("both data and data_base64")
                .extracting(t -> ((PermanentFailure) t).reason()).isEqualTo(ReasonCode.MALFORMED_EVENT);
    }

    @Test
    void aBinaryEventWithoutDataDecodesWithNullData() {
        Map<String, String> headers = new HashMap<>(codec.headers(sample()));
        headers.remove("content-type");
        assertThat(codec.decode(headers, null).data().isNull()).isTrue();
        assertThat(codec.decode(headers, new byte[0]).data().isNull()).isTrue();
    }
}

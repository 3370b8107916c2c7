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
        for (String attribute : new String[] {"ce_id", "ce_type", "ce_source", "ce_time", "ce_exceptionid"}) {
            Map<String, String> headers = new HashMap<>(codec.headers(e));
            headers.remove(attribute);
            assertThatThrownBy(() -> codec.decode(headers, data)).isInstanceOf(PermanentFailure.class)
                    .extracting(t -> ((PermanentFailure) t).reason()).isEqualTo(ReasonCode.MISSING_ATTRIBUTE);
        }
        Map<String, String> badTime = new HashMap<>(codec.headers(e));
        badTime.put("ce_time", "yesterday");
        assertThatThrownBy(() -> codec.decode(badTime, data)).hasMessageContaining("RFC 3339");
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
}

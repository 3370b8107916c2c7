package io.exflow.testing;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/** Builds binary-mode CloudEvents headers for test input, with any attribute left out or changed. */
public final class TestEvents {
    private TestEvents() {
    }

    public static Map<String, String> headers(UUID eventId, String type, String tenant, UUID exceptionId) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("ce_specversion", "1.0");
        h.put("ce_id", eventId.toString());
        h.put("ce_type", type);
        h.put("ce_source", "/test/producer");
        h.put("ce_time", Instant.now().toString());
        if (tenant != null) {
            h.put("ce_tenantid", tenant);
        }
        h.put("ce_exceptionid", exceptionId.toString());
        h.put("ce_schemaversion", "1");
        h.put("content-type", "application/json");
        return h;
    }

    public static byte[] json(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}

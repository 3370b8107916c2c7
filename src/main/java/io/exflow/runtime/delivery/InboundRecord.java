package io.exflow.runtime.delivery;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import io.exflow.runtime.TimeOrderedIds;

/**
 * A record as the runtime receives it, from Kafka or from the retry table: enough to process
 * it, retry it, or dead-letter it with the original bytes.
 *
 * @param priorAttempts failed attempts before this one
 * @param retryRowId the retry_schedule row it came from, or null when it came from Kafka
 */
public record InboundRecord(
        String topic,
        Integer partition,
        Long offset,
        String key,
        Map<String, String> headers,
        byte[] value,
        int priorAttempts,
        Long retryRowId) {

    public static InboundRecord of(ConsumerRecord<String, byte[]> r) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header h : r.headers()) {
            headers.put(h.key(), h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8));
        }
        return new InboundRecord(r.topic(), r.partition(), r.offset(), r.key() == null ? "" : r.key(), headers,
                r.value(), 0, null);
    }

    public int size() {
        return value == null ? 0 : value.length;
    }

    /**
     * An id for a record whose own id cannot be read. A Kafka record's position makes it stable,
     * so a redelivery is recognised; a record without a position (a Redis job) gets a fresh (time-ordered) one,
     * so two identical garbage jobs are two dead letters rather than one silently merged.
     */
    public UUID syntheticId() {
        if (partition == null || offset == null) {
            return TimeOrderedIds.next();
        }
        String origin = topic + "/" + partition + "/" + offset + "/" + key;
        return UUID.nameUUIDFromBytes(origin.getBytes(StandardCharsets.UTF_8));
    }

    public String header(String name) {
        return headers.get(name);
    }
}

package io.exflow.runtime.delivery;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.exflow.runtime.config.ExflowSettings;
import io.exflow.runtime.kafka.KafkaClients;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The dead-letter store: a row with the original record, consumer, reason, error and
 * attempts, and the same record on the dead-letter topic (through the outbox, so both or
 * neither). A redelivered poison record does not make a second PENDING entry.
 */
@ApplicationScoped
public class DeadLetters {
    /** Errors are cut so a huge exception message cannot bloat the table or the topic header. */
    static final int MAX_ERROR_CHARS = 2000;

    private final DataSource dataSource;
    private final ObjectMapper mapper;
    private final ExflowSettings settings;
    private final RetrySchedule retries;
    private final KafkaClients kafka;
    private static final com.fasterxml.jackson.core.type.TypeReference<Map<String, String>> HEADERS =
            new com.fasterxml.jackson.core.type.TypeReference<>() {
            };

    public DeadLetters(DataSource dataSource, ObjectMapper mapper, ExflowSettings settings, RetrySchedule retries,
            KafkaClients kafka) {
        this.retries = retries;
        this.kafka = kafka;
        this.dataSource = dataSource;
        this.mapper = mapper;
        this.settings = settings;
    }

    /** What is known of the failed record's identity (the decoder may have failed before knowing it). */
    public record Identity(UUID eventId, String eventType, String tenantId, UUID exceptionId) {
    }

    /**
     * Stores the dead letter and adds its copy for the dead-letter topic to {@code pending}
     * (written with the caller's transaction).
     *
     * @return false if this record was already a pending dead letter
     */
    public boolean add(String consumer, InboundRecord record, Identity identity, ReasonCode reason, String error, int attempts,
            PendingWrites pending) {
        String cutError = error == null ? "" : error.length() > MAX_ERROR_CHARS ? error.substring(0, MAX_ERROR_CHARS) : error;
        Long id = Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO dead_letter (consumer, topic, kafka_partition, "
                    + "kafka_offset, record_key, event_id, event_type, tenant_id, exception_id, reason, error, attempts, "
                    + "headers, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?) "
                    + "ON CONFLICT (consumer, event_id) WHERE status = 'PENDING' DO NOTHING RETURNING id")) {
                ps.setString(1, consumer);
                ps.setString(2, record.topic());
                ps.setObject(3, record.partition());
                ps.setObject(4, record.offset());
                ps.setString(5, record.key());
                ps.setObject(6, identity.eventId());
                ps.setString(7, identity.eventType());
                ps.setString(8, identity.tenantId());
                ps.setObject(9, identity.exceptionId());
                ps.setString(10, reason.name());
                ps.setString(11, cutError);
                ps.setInt(12, attempts);
                ps.setString(13, json(record.headers()));
                ps.setBytes(14, record.value());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : null;
                }
            }
        });
        if (id == null) {
            return false;
        }
        Map<String, String> headers = new LinkedHashMap<>(record.headers());
        headers.put("exflow_dl_id", id.toString());
        headers.put("exflow_dl_reason", reason.name());
        headers.put("exflow_dl_consumer", consumer);
        headers.put("exflow_dl_error", cutError.length() > 500 ? cutError.substring(0, 500) : cutError);
        headers.put("exflow_dl_attempts", Integer.toString(attempts));
        headers.put("exflow_dl_source_topic", record.topic());
        pending.add(copyForTopic(id, record.key(), headers, record.value() == null ? new byte[0] : record.value()));
        return true;
    }

    /**
     * The dead letter's copy for the topic: the original record plus the {@code exflow_dl_*} headers
     * — or, when that would be larger than the producer may send (a record near Kafka's limit plus
     * those headers), the headers with a reference to the stored original instead of its payload
     * ({@code exflow_dl_payload_ref}), and without the original's own headers if even that is too
     * large. Every dead letter reaches the topic; the full record stays in the table.
     */
    PendingWrites.OutboxRow copyForTopic(long id, String key, Map<String, String> headers, byte[] value) {
        String topic = settings.topics().deadletter();
        if (KafkaClients.recordSize(key, headers, value) <= kafka.maxRecordBytes()) {
            return new PendingWrites.OutboxRow(topic, key, headers, value);
        }
        Map<String, String> byReference = new LinkedHashMap<>(headers);
        byReference.put("exflow_dl_payload_ref", "dead_letter/" + id);
        byReference.put("exflow_dl_payload_bytes", Integer.toString(value.length));
        if (KafkaClients.recordSize(key, byReference, new byte[0]) > kafka.maxRecordBytes()) {
            byReference.keySet().removeIf(name -> !name.startsWith("exflow_dl_"));
        }
        return new PendingWrites.OutboxRow(topic, key, byReference, new byte[0]);
    }

    /**
     * Hands a PENDING entry back to the consumer group that failed it — only that one — through its
     * retry schedule, and marks it REPLAYED; in the caller's transaction. If it fails again it
     * becomes a new dead letter.
     *
     * @throws IllegalStateException if the entry is not PENDING
     */
    public void replay(long id, String actor, String reason) {
        InboundRecordWithIdentity entry = Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT consumer, topic, record_key, headers::text, payload, "
                    + "event_id, event_type FROM dead_letter WHERE id = ? AND status = 'PENDING' FOR UPDATE")) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return null;
                    }
                    InboundRecord record = new InboundRecord(rs.getString(2), null, null, rs.getString(3),
                            mapper.readValue(rs.getString(4), HEADERS), rs.getBytes(5), 0, null);
                    return new InboundRecordWithIdentity(rs.getString(1), record, (UUID) rs.getObject(6), rs.getString(7));
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        if (entry == null) {
            throw new IllegalStateException("dead letter " + id + " is not PENDING");
        }
        retries.add(entry.consumer(), entry.record(), entry.eventId(), entry.eventType(), 0, null, java.time.Instant.now(),
                RetrySchedule.Origin.REPLAY, id);
        setStatus(id, "REPLAYED", actor, reason);
    }

    private record InboundRecordWithIdentity(String consumer, InboundRecord record, UUID eventId, String eventType) {
    }

    public void markDiscarded(long id, String actor, String reason) {
        setStatus(id, "DISCARDED", actor, reason);
    }

    private void setStatus(long id, String status, String actor, String reason) {
        if (Jdbc.update(dataSource, "UPDATE dead_letter SET status = ?, status_actor = ?, status_reason = ?, updated_at = now() "
                + "WHERE id = ? AND status = 'PENDING'", status, actor, reason, id) != 1) {
            throw new IllegalStateException("dead letter " + id + " is not PENDING");
        }
    }

    private String json(Map<String, String> headers) {
        try {
            return mapper.writeValueAsString(headers);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

package io.exflow.runtime.kafka;

import java.util.Map;
import java.util.Optional;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.AbstractRecords;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.Config;

import io.exflow.runtime.config.ExflowSettings;
import io.exflow.runtime.config.InvalidConfigException;
import io.exflow.runtime.config.KafkaClientProperties;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Builds Kafka clients from {@link KafkaClientProperties}: every {@code kafka.*} property and
 * {@code KAFKA_<PROPERTY>} variable (security settings included), with exflow's guarantees on top.
 */
@ApplicationScoped
public class KafkaClients {
    /**
     * Room kept above MAX_EVENT_BYTES in a published record for what exflow adds to an event it
     * passes on (the {@code exflow_dl_*} headers of a dead-letter copy, CloudEvents headers).
     */
    public static final int HEADER_ROOM_BYTES = 16 * 1024;
    /** The producer's own default {@code max.request.size}. */
    private static final int KAFKA_DEFAULT_MAX_REQUEST_SIZE = 1_048_576;

    private final KafkaClientProperties properties;
    private final ExflowSettings settings;
    private final int maxRecordBytes;

    public KafkaClients(Config config, ExflowSettings settings) {
        this.settings = settings;
        this.properties = KafkaClientProperties.from(config);
        Object configured = properties.producer("size-check").get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        try {
            this.maxRecordBytes = configured == null ? KAFKA_DEFAULT_MAX_REQUEST_SIZE : Integer.parseInt(configured.toString().trim());
        } catch (NumberFormatException e) {
            throw new InvalidConfigException("KAFKA_MAX_REQUEST_SIZE", "must be an integer, was '" + configured + "'");
        }
        if (settings.maxEventBytes() > maxRecordBytes - HEADER_ROOM_BYTES) {
            throw new InvalidConfigException("MAX_EVENT_BYTES", "must leave " + HEADER_ROOM_BYTES + " bytes of room below "
                    + "KAFKA_MAX_REQUEST_SIZE (" + maxRecordBytes + "), was " + settings.maxEventBytes()
                    + ": raise KAFKA_MAX_REQUEST_SIZE (and the topics' max.message.bytes) or lower MAX_EVENT_BYTES");
        }
    }

    /**
     * The largest record the outbox producer sends — its {@code max.request.size}
     * ({@code KAFKA_MAX_REQUEST_SIZE}, Kafka's default 1 MiB) — and the {@code max.message.bytes}
     * of the topics exflow creates, so what exflow may publish and what its topics take agree.
     */
    public int maxRecordBytes() {
        return maxRecordBytes;
    }

    /**
     * The size the producer checks against {@link #maxRecordBytes()} for this record: Kafka's own
     * upper-bound estimate (record batch overhead included, uncompressed).
     */
    public static int recordSize(String key, Map<String, String> headers, byte[] value) {
        Header[] h = headers.entrySet().stream()
                .map(e -> (Header) new RecordHeader(e.getKey(), e.getValue().getBytes(StandardCharsets.UTF_8)))
                .toArray(Header[]::new);
        return AbstractRecords.estimateSizeInBytesUpperBound(RecordBatch.CURRENT_MAGIC_VALUE, CompressionType.NONE,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8), value, h);
    }

    public String bootstrapServers() {
        return properties.bootstrapServers();
    }

    /**
     * Manual commits only: an offset is committed after its record's outcome is durable. With a
     * group instance id the consumer is a static member of its group (GROUP_INSTANCE_ID).
     */
    public KafkaConsumer<String, byte[]> consumer(String groupId, String clientId, Optional<String> groupInstanceId) {
        Map<String, Object> props = properties.consumer(groupId, clientId, settings.autoOffsetReset(), settings.maxPollRecords());
        groupInstanceId.ifPresent(id -> props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, id));
        return new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** Idempotent, acks=all: a retried send never duplicates or reorders within a partition. */
    public KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(properties.producer("exflow-outbox-" + ProcessHandle.current().pid()),
                new StringSerializer(), new ByteArraySerializer());
    }

    public Admin admin() {
        return Admin.create(properties.admin());
    }
}

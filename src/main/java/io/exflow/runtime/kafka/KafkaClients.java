package io.exflow.runtime.kafka;

import java.util.Map;
import java.util.Optional;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.Config;

import io.exflow.runtime.config.ExflowSettings;
import io.exflow.runtime.config.KafkaClientProperties;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Builds Kafka clients from {@link KafkaClientProperties}: every {@code kafka.*} property and
 * {@code KAFKA_<PROPERTY>} variable (security settings included), with exflow's guarantees on top.
 */
@ApplicationScoped
public class KafkaClients {
    private final KafkaClientProperties properties;
    private final ExflowSettings settings;

    public KafkaClients(Config config, ExflowSettings settings) {
        this.settings = settings;
        this.properties = KafkaClientProperties.from(config);
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

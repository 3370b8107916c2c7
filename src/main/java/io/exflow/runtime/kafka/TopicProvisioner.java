package io.exflow.runtime.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jboss.logging.Logger;

import io.exflow.runtime.config.ExflowSettings;
import io.exflow.runtime.startup.StartupStep;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Creates exflow's topics at start-up when they are missing (CREATE_TOPICS=false leaves it to the
 * platform). A start-up step: while the broker does not answer, start-up waits and tries again.
 */
@ApplicationScoped
public class TopicProvisioner implements StartupStep {
    private static final Logger LOG = Logger.getLogger(TopicProvisioner.class);

    private final ExflowSettings settings;
    private final KafkaClients kafka;

    public TopicProvisioner(ExflowSettings settings, KafkaClients kafka) {
        this.settings = settings;
        this.kafka = kafka;
    }

    @Override
    public String dependency() {
        return "Kafka at " + kafka.bootstrapServers() + " (topics)";
    }

    @Override
    public int order() {
        return 20;
    }

    @Override
    public boolean needed() {
        return settings.createTopics();
    }

    @Override
    public void run() {
        ensureTopics();
    }

    public void ensureTopics() {
        try (Admin admin = kafka.admin()) {
            // Short: the first try runs during Quarkus' start-up; an unreachable broker is retried by DependencyWait.
            Set<String> existing = admin.listTopics(new ListTopicsOptions().timeoutMs(5000)).names().get(6, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (String topic : settings.topics().all()) {
                if (!existing.contains(topic)) {
                    // as large a record as the outbox producer may send (KAFKA_MAX_REQUEST_SIZE), no larger
                    missing.add(new NewTopic(topic, settings.topicPartitions(), settings.topicReplicationFactor())
                            .configs(Map.of("max.message.bytes", Integer.toString(kafka.maxRecordBytes()))));
                }
            }
            if (missing.isEmpty()) {
                return;
            }
            for (var result : admin.createTopics(missing).values().entrySet()) {
                try {
                    result.getValue().get(10, TimeUnit.SECONDS);
                    LOG.infof("created topic %s (%d partitions, max.message.bytes %d)", result.getKey(), settings.topicPartitions(),
                            kafka.maxRecordBytes());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
        } catch (Exception e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("cannot create Kafka topics at " + kafka.bootstrapServers()
                    + " (check KAFKA_BOOTSTRAP_SERVERS, or set CREATE_TOPICS=false): "
                    + (cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName()), e);
        }
    }
}

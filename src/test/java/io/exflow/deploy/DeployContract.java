package io.exflow.deploy;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the packaging must agree on with the application, beyond what application.properties
 * declares itself: which role consumes what (SPEC.md §3), the Secrets manifests may reference,
 * and the metric names dashboards and alerts may use (SPEC.md §6). Topic names, partitions,
 * offset reset, ports and env names are read from application.properties by {@link AppConfig}.
 */
final class DeployContract {

    /** Every worker type, in the order the docs list them. */
    static final List<String> ROLES = List.of("api", "intake", "triage", "policy", "playbook", "tool", "feedback", "sla-monitor");

    /** Kafka consumers: role -> the logical topics (keys under exflow.topic.*) it consumes. */
    static final Map<String, List<String>> KAFKA_INPUTS = Map.of(
            "intake", List.of("ingested"),
            "triage", List.of("normalized"),
            "policy", List.of("triaged"),
            "playbook", List.of("decided", "tool-results"),
            "feedback", List.of("closed", "sla-alerts"));

    /** Roles that talk to Redis (rate limits, tool queue); the others get neither its URL nor egress. */
    static final Set<String> REDIS_ROLES = Set.of("api", "playbook", "tool");

    /** Roles scaled on CPU or held fixed by KEDA instead of a queue signal. */
    static final Set<String> CPU_ROLES = Set.of("api", "sla-monitor");

    /** The only Secrets manifests may reference (created out of band, never rendered). */
    static final Set<String> SECRETS = Set.of("exflow-db", "exflow-redis", "exflow-kafka", "exflow-jwt");

    /** Settings that must come from a Secret when a manifest sets them. */
    static final Set<String> SECRET_ENV = Set.of("DB_PASSWORD", "REDIS_URL", "KAFKA_SASL_PASSWORD", "KAFKA_SASL_JAAS_CONFIG",
            "KAFKA_SSL_KEYSTORE_PASSWORD", "KAFKA_SSL_KEY_PASSWORD", "KAFKA_SSL_TRUSTSTORE_PASSWORD");

    /**
     * Environment variables the image itself reads (run-java.sh of the JVM base image), allowed in
     * manifests although application.properties does not mention them. QUARKUS_* is Quarkus' own
     * environment mapping of any property.
     */
    static final Set<String> IMAGE_ENV = Set.of("JAVA_OPTS", "JAVA_OPTS_APPEND", "JAVA_MAX_MEM_RATIO", "JAVA_INITIAL_MEM_RATIO", "JAVA_APP_JAR");

    /** Metric names (Prometheus form) exflow exports; alerts and the dashboard may use only these. */
    static final Set<String> METRICS = Set.of(
            "exflow_events_processed_total", "exflow_event_processing_seconds", "exflow_events_in_flight",
            "exflow_duplicates_skipped_total", "exflow_retries_scheduled_total", "exflow_dead_letters_total",
            "exflow_dead_letters_pending", "exflow_tenant_rejections_total", "exflow_redis_queue_length",
            "exflow_outbox_backlog", "exflow_outbox_parked_total", "exflow_outbox_parked_rows", "exflow_kafka_consumer_lag", "exflow_sla_alerts_total", "exflow_exceptions_closed_total");

    static String deploymentName(String role) {
        return "exflow-" + role;
    }

    static boolean consumesKafka(String role) {
        return KAFKA_INPUTS.containsKey(role);
    }

    private DeployContract() {
    }
}

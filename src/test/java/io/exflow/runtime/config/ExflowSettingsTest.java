package io.exflow.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.eclipse.microprofile.config.Config;
import org.junit.jupiter.api.Test;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;

/** Settings are parsed once and every bad value is reported with the variable to fix. */
class ExflowSettingsTest {

    /** application.properties' defaults, with {@code env} as the process environment. */
    static Config config(Map<String, String> env) {
        try {
            return new SmallRyeConfigBuilder().addDefaultInterceptors()
                    .withSources(new PropertiesConfigSource(ExflowSettingsTest.class.getResource("/application.properties"), 100))
                    .withSources(new PropertiesConfigSource(new HashMap<>(env), "env", 300))
                    .build();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void defaultsDescribeASingleRoleWorker() {
        ExflowSettings s = ExflowSettings.load(config(Map.of("WORKER_TYPE", "triage")));
        assertThat(s.roles()).containsExactly(WorkerRole.TRIAGE);
        assertThat(s.groupId(WorkerRole.TRIAGE)).isEqualTo("exflow-triage");
        assertThat(s.concurrency()).isEqualTo(4);
        assertThat(s.topics().ingested()).isEqualTo("exflow.exceptions.ingested");
        assertThat(s.topicPartitions()).isEqualTo(12);
        assertThat(s.retry().initialBackoff()).isEqualTo(Duration.ofSeconds(1));
        assertThat(s.autoOffsetReset()).isEqualTo("earliest");
    }

    @Test
    void sla_monitorSpellingIsAccepted() {
        assertThat(WorkerRole.fromId("sla_monitor")).contains(WorkerRole.SLA_MONITOR);
    }

    @Test
    void allRunsEveryImplementedRoleEachInItsOwnGroup() {
        ExflowSettings s = ExflowSettings.load(config(Map.of("WORKER_TYPE", "all")));
        assertThat(s.roles()).containsExactlyInAnyOrderElementsOf(WorkerRole.IMPLEMENTED);
        assertThat(s.groupId(WorkerRole.INTAKE)).isEqualTo("exflow-intake");
    }

    @Test
    void aListRunsSeveralRoles() {
        ExflowSettings s = ExflowSettings.load(config(Map.of("WORKER_TYPE", "intake, triage")));
        assertThat(s.roles()).containsExactlyInAnyOrder(WorkerRole.INTAKE, WorkerRole.TRIAGE);
    }

    @Test
    void groupIdOverridesTheDefaultForOneRole() {
        ExflowSettings s = ExflowSettings.load(config(Map.of("WORKER_TYPE", "intake", "GROUP_ID", "blue-intake")));
        assertThat(s.groupId(WorkerRole.INTAKE)).isEqualTo("blue-intake");
    }

    @Test
    void theGroupInstanceIdIsThePodNameWithTheRole() {
        ExflowSettings s = ExflowSettings.load(config(Map.of("WORKER_TYPE", "all", "HOSTNAME", "exflow-intake-7d9f-x2k")));
        assertThat(s.groupInstanceId(WorkerRole.INTAKE)).contains("exflow-intake-7d9f-x2k-intake");
        assertThat(s.groupInstanceId(WorkerRole.SLA_MONITOR)).contains("exflow-intake-7d9f-x2k-sla-monitor");
        ExflowSettings explicit = ExflowSettings.load(config(Map.of("WORKER_TYPE", "triage", "HOSTNAME", "h",
                "GROUP_INSTANCE_ID", "triage-0")));
        assertThat(explicit.groupInstanceId(WorkerRole.TRIAGE)).contains("triage-0-triage");
    }

    @Test
    void withoutAnIdMembershipIsDynamic() {
        ExflowSettings s = ExflowSettings.load(config(Map.of("WORKER_TYPE", "triage")));
        assertThat(s.groupInstanceId(WorkerRole.TRIAGE)).isEmpty();
    }

    @Test
    void aGroupInstanceIdKafkaWouldRefuseNamesTheVariable() {
        assertThatThrownBy(() -> ExflowSettings.load(config(Map.of("WORKER_TYPE", "triage", "GROUP_INSTANCE_ID", "pod 1/x"))))
                .hasMessageContaining("GROUP_INSTANCE_ID must be");
    }

    @Test
    void missingWorkerTypeNamesTheVariable() {
        assertThatThrownBy(() -> ExflowSettings.load(config(Map.of())))
                .hasMessageContaining("WORKER_TYPE is required");
    }

    @Test
    void unknownAndReservedWorkerTypesFailClearly() {
        assertThatThrownBy(() -> ExflowSettings.load(config(Map.of("WORKER_TYPE", "cleaner"))))
                .hasMessageContaining("WORKER_TYPE 'cleaner' is not a worker type");
    }

    @Test
    void everyBadValueIsReportedWithItsVariableAtOnce() {
        Map<String, String> env = Map.of("WORKER_TYPE", "all", "CONCURRENCY", "lots", "GROUP_ID", "shared",
                "RETRY_INITIAL_BACKOFF", "soon", "KAFKA_AUTO_OFFSET_RESET", "middle", "TOPIC_TRIAGED", "bad topic!",
                "RETRY_MAX_ATTEMPTS_BY_TYPE", "exflow.exception.ingested=zero", "TOPIC_PARTITIONS", "0");
        assertThatThrownBy(() -> ExflowSettings.load(config(env)))
                .hasMessageContaining("CONCURRENCY must be an integer")
                .hasMessageContaining("GROUP_ID cannot be set when WORKER_TYPE=all")
                .hasMessageContaining("RETRY_INITIAL_BACKOFF must be a duration")
                .hasMessageContaining("KAFKA_AUTO_OFFSET_RESET must be earliest or latest")
                .hasMessageContaining("TOPIC_TRIAGED is not a valid Kafka topic name")
                .hasMessageContaining("RETRY_MAX_ATTEMPTS_BY_TYPE entries must look like")
                .hasMessageContaining("TOPIC_PARTITIONS must be between 1");
    }

    @Test
    void perTypeRetryLimitsOverrideTheDefault() {
        ExflowSettings s = ExflowSettings.load(config(Map.of("WORKER_TYPE", "intake",
                "RETRY_MAX_ATTEMPTS_BY_TYPE", "exflow.exception.ingested=8, exflow.tool.result=2")));
        assertThat(s.retry().maxAttemptsFor("exflow.exception.ingested")).isEqualTo(8);
        assertThat(s.retry().maxAttemptsFor("exflow.tool.result")).isEqualTo(2);
        assertThat(s.retry().maxAttemptsFor("exflow.exception.triaged")).isEqualTo(5);
    }

    @Test
    void shortDurationsAreAccepted() {
        assertThat(ExflowSettings.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(ExflowSettings.parseDuration("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(ExflowSettings.parseDuration("PT5S")).isEqualTo(Duration.ofSeconds(5));
    }
}

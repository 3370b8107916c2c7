package io.exflow.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.eclipse.microprofile.config.Config;
import org.junit.jupiter.api.Test;

/** Settings are parsed once and every bad value is reported with the variable to fix. */
class ExflowSettingsTest {

    static Config config(Map<String, String> env) {
        return TestConfig.withEnv(env);
    }

    @Test
    void defaultsDescribeASingleRoleWorker() {
        ExflowSettings s = ExflowSettings.load(config(Map.of("WORKER_TYPE", "triage")));
        assertThat(s.roles()).containsExactly(WorkerRole.TRIAGE);
        assertThat(s.consumerGroup(WorkerRole.TRIAGE)).isEqualTo("exflow-triage");
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
        assertThat(s.consumerGroup(WorkerRole.INTAKE)).isEqualTo("exflow-intake");
    }

    @Test
    void aListRunsSeveralRoles() {
        ExflowSettings s = ExflowSettings.load(config(Map.of("WORKER_TYPE", "intake, triage")));
        assertThat(s.roles()).containsExactlyInAnyOrder(WorkerRole.INTAKE, WorkerRole.TRIAGE);
    }

    @Test
    void groupIdSetsTheConsumerGroupOfOneRole() {
        ExflowSettings s = ExflowSettings.load(config(Map.of("WORKER_TYPE", "intake", "GROUP_ID", "blue-intake")));
        assertThat(s.consumerGroup(WorkerRole.INTAKE)).isEqualTo("blue-intake");
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
        assertThat(SettingsReader.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(SettingsReader.parseDuration("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(SettingsReader.parseDuration("PT5S")).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void everyDurationTakesBothSyntaxes() {
        ExflowSettings iso = ExflowSettings.load(config(Map.of("WORKER_TYPE", "tool", "RETRY_POLL_INTERVAL", "PT0.5S",
                "TOOL_JOB_OVERDUE", "PT2M", "FLEET_HEARTBEAT_INTERVAL", "PT1H", "SHUTDOWN_TIMEOUT", "PT25S")));
        ExflowSettings shortForm = ExflowSettings.load(config(Map.of("WORKER_TYPE", "tool", "RETRY_POLL_INTERVAL", "500ms",
                "TOOL_JOB_OVERDUE", "2m", "FLEET_HEARTBEAT_INTERVAL", "1h", "SHUTDOWN_TIMEOUT", "25s")));
        for (ExflowSettings s : java.util.List.of(iso, shortForm)) {
            assertThat(s.retry().pollInterval()).isEqualTo(Duration.ofMillis(500));
            assertThat(s.toolJobOverdue()).isEqualTo(Duration.ofMinutes(2));
            assertThat(s.fleetHeartbeatInterval()).isEqualTo(Duration.ofHours(1));
            assertThat(s.shutdownTimeout()).isEqualTo(Duration.ofSeconds(25));
        }
    }

    @Test
    void badValuesOfEveryKindAreReportedTogetherNamingTheirVariables() {
        Map<String, String> env = Map.of("WORKER_TYPE", "intake", "CONCURRENCY", "0", "TOOL_JOB_OVERDUE_CHECK", "often",
                "SHUTDOWN_TIMEOUT", "-5s", "FLEET_HEARTBEAT_INTERVAL", "0ms", "CREATE_TOPICS", "yes",
                "TOPIC_CLOSED", "exflow.exceptions.decided", "TOOL_QUEUE_LOW", "low queue");
        assertThatThrownBy(() -> ExflowSettings.load(config(env)))
                .hasMessageStartingWith("exflow cannot start:")
                .hasMessageContaining("CONCURRENCY must be between 1 and 256, was 0")
                .hasMessageContaining("TOOL_JOB_OVERDUE_CHECK must be a duration such as 500ms, 5s, 2m, 1h or PT0.5S, was 'often'")
                .hasMessageContaining("SHUTDOWN_TIMEOUT must be a positive duration, was '-5s'")
                .hasMessageContaining("FLEET_HEARTBEAT_INTERVAL must be a positive duration, was '0ms'")
                .hasMessageContaining("CREATE_TOPICS must be true or false, was 'yes'")
                .hasMessageContaining("TOPIC_* two logical topics share one name")
                .hasMessageContaining("TOOL_QUEUE_LOW must be a Redis key without spaces");
    }
}

package io.exflow.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.exflow.runtime.WorkerRuntime;
import io.exflow.runtime.config.ExflowSettings;
import io.exflow.runtime.delivery.AfterCommit;
import io.exflow.runtime.delivery.Outbox;
import io.exflow.runtime.delivery.PendingWrites;
import io.exflow.runtime.kafka.KafkaClients;
import io.exflow.testing.Db;
import io.exflow.testing.ExflowTestResources;
import io.exflow.testing.KafkaTestCluster;
import io.exflow.testing.Roles;
import io.exflow.testing.TestEvents;
import io.exflow.testing.TestKafka;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/**
 * Every outbox row is published or moved out of the way (issue 15, item 2), against the real
 * in-process Kafka: dead letters of records near and above Kafka's 1 MiB limit reach the
 * dead-letter topic by reference, and a row Kafka refuses for good is parked, counted, and does
 * not hold the backlog up.
 */
@QuarkusTest
@QuarkusTestResource(ExflowTestResources.class)
@TestProfile(Roles.IntakeAndTriage.class)
class OversizedRecordsIT {
    static final String INGESTED = "exflow.exception.ingested";
    /** Accepted by a broker with default settings (message.max.bytes 1,048,588) with this test's headers. */
    static final int NEAR_LIMIT = 1_048_357;
    static final int TWO_MB = 2 * 1024 * 1024;

    @Inject
    DataSource dataSource;
    @Inject
    ExflowSettings settings;
    @Inject
    WorkerRuntime runtime;
    @Inject
    KafkaClients kafka;
    @Inject
    Outbox outbox;
    @Inject
    AfterCommit afterCommit;
    @Inject
    MeterRegistry registry;

    Db db;

    @BeforeEach
    void setUp() {
        db = new Db(dataSource);
        runtime.start();
    }

    static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestCluster.bootstrapServers()));
    }

    static String topicConfig(String topic, String name) throws Exception {
        try (Admin admin = admin()) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            return admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource).get(name).value();
        }
    }

    /** A JSON event value of exactly {@code bytes} bytes. */
    static byte[] jsonOfSize(int bytes) {
        String head = "{\"type\":\"settlement_failed\",\"padding\":\"";
        String tail = "\"}";
        char[] pad = new char[bytes - head.length() - tail.length()];
        Arrays.fill(pad, 'x');
        byte[] value = (head + new String(pad) + tail).getBytes(StandardCharsets.UTF_8);
        assertThat(value).hasSize(bytes);
        return value;
    }

    double gauge(String name) {
        var g = registry.find(name).gauge();
        return g == null ? -1 : g.value();
    }

    @Test
    void topicsExflowCreatesTakeWhatItsProducerMaySendAndNoMore() throws Exception {
        assertThat(kafka.maxRecordBytes()).isEqualTo(1_048_576);
        for (String topic : settings.topics().all()) {
            assertThat(topicConfig(topic, "max.message.bytes")).as(topic).isEqualTo(Integer.toString(kafka.maxRecordBytes()));
        }
    }

    @Test
    void deadLettersOfRecordsNearAndAboveKafkasLimitReachTheTopicByReference() throws Exception {
        // The ingested topic as another producer's platform may run it: a larger limit than exflow would set.
        try (Admin admin = admin()) {
            ConfigResource ingested = new ConfigResource(ConfigResource.Type.TOPIC, settings.topics().ingested());
            admin.incrementalAlterConfigs(Map.of(ingested, List.of(new AlterConfigOp(
                    new ConfigEntry("max.message.bytes", Integer.toString(4 * 1024 * 1024)), AlterConfigOp.OpType.SET))))
                    .all().get(30, TimeUnit.SECONDS);
        }
        UUID near = UUID.randomUUID();
        UUID twoMb = UUID.randomUUID();
        TestKafka.send(settings.topics().ingested(), "acme-bank:" + near,
                TestEvents.headers(near, INGESTED, "acme-bank", UUID.randomUUID()), jsonOfSize(NEAR_LIMIT));
        TestKafka.send(settings.topics().ingested(), "acme-bank:" + twoMb,
                TestEvents.headers(twoMb, INGESTED, "acme-bank", UUID.randomUUID()), jsonOfSize(TWO_MB));

        await().atMost(Duration.ofSeconds(60)).until(() -> db.count(
                "SELECT count(*) FROM dead_letter WHERE event_id IN (?, ?) AND reason = 'PAYLOAD_TOO_LARGE'", near, twoMb) == 2);
        // The table keeps the whole original.
        assertThat(db.count("SELECT octet_length(payload) FROM dead_letter WHERE event_id = ?", near)).isEqualTo(NEAR_LIMIT);
        assertThat(db.count("SELECT octet_length(payload) FROM dead_letter WHERE event_id = ?", twoMb)).isEqualTo(TWO_MB);

        // The topic gets both, pointing at the stored original; nothing is left in the outbox or parked.
        await().atMost(Duration.ofSeconds(60)).until(() -> TestKafka.readAll(settings.topics().deadletter()).stream()
                .filter(r -> near.toString().equals(r.header("ce_id")) || twoMb.toString().equals(r.header("ce_id"))).count() == 2);
        for (UUID eventId : List.of(near, twoMb)) {
            long id = db.count("SELECT id FROM dead_letter WHERE event_id = ?", eventId);
            TestKafka.Received copy = TestKafka.readAll(settings.topics().deadletter()).stream()
                    .filter(r -> eventId.toString().equals(r.header("ce_id"))).findFirst().orElseThrow();
            assertThat(copy.headers()).containsEntry("exflow_dl_id", Long.toString(id))
                    .containsEntry("exflow_dl_reason", "PAYLOAD_TOO_LARGE")
                    .containsEntry("exflow_dl_payload_ref", "dead_letter/" + id)
                    .containsEntry("exflow_dl_payload_bytes", eventId.equals(near) ? Integer.toString(NEAR_LIMIT) : Integer.toString(TWO_MB))
                    .containsEntry("ce_tenantid", "acme-bank");
            assertThat(copy.value()).isEmpty();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> db.count("SELECT count(*) FROM outbox") == 0
                && gauge("exflow.outbox.backlog") == 0);
        assertThat(db.count("SELECT count(*) FROM outbox_parked WHERE topic = ?", settings.topics().deadletter())).isZero();
    }

    @Test
    void aRowKafkaRefusesForGoodIsParkedCountedAndTheRestIsPublished() {
        double parkedBefore = registry.find("exflow.outbox.parked").counters().stream().mapToDouble(c -> c.count()).sum();
        String topic = settings.topics().triaged();
        String bigKey = "parking:" + UUID.randomUUID();
        String smallKey = "parking:" + UUID.randomUUID();
        String sweptKey = "parking:" + UUID.randomUUID();
        // Through the after-commit path: a row over the producer's limit beside one that fits.
        List<Outbox.Stored> stored = QuarkusTransaction.requiringNew().call(() -> {
            List<Outbox.Stored> rows = outbox.appendAll(List.of(
                    new PendingWrites.OutboxRow(topic, bigKey, Map.of("ce_id", bigKey), jsonOfSize(TWO_MB)),
                    new PendingWrites.OutboxRow(topic, smallKey, Map.of("ce_id", smallKey), jsonOfSize(100))));
            afterCommit.onCommit(rows);
            return rows;
        });
        // Through the sweeper: a row a crashed publisher left behind.
        db.execute("INSERT INTO outbox (topic, record_key, headers, payload, created_at) VALUES (?, ?, '{}'::jsonb, ?, "
                + "now() - interval '1 minute')", topic, sweptKey, jsonOfSize(TWO_MB));

        await().atMost(Duration.ofSeconds(60)).until(() -> db.count("SELECT count(*) FROM outbox_parked WHERE record_key IN (?, ?)",
                bigKey, sweptKey) == 2);
        assertThat(db.rows("SELECT id, error, octet_length(payload) AS bytes FROM outbox_parked WHERE record_key = ?", bigKey))
                .singleElement().satisfies(row -> {
                    assertThat(row.get("id")).isEqualTo(stored.get(0).id());
                    assertThat(row.get("error").toString()).contains("RecordTooLarge");
                    assertThat(row.get("bytes")).isEqualTo(TWO_MB);
                });
        await().atMost(Duration.ofSeconds(30)).until(() -> TestKafka.readAll(topic).stream()
                .anyMatch(r -> smallKey.equals(r.key())));
        await().atMost(Duration.ofSeconds(30)).until(() -> db.count("SELECT count(*) FROM outbox") == 0
                && gauge("exflow.outbox.backlog") == 0 && gauge("exflow.outbox.parked.rows") >= 2);
        assertThat(registry.find("exflow.outbox.parked").tag("error", "RecordTooLargeException").counters().stream()
                .mapToDouble(c -> c.count()).sum()).isGreaterThanOrEqualTo(parkedBefore + 2);
        assertThat(TestKafka.readAll(topic).stream().filter(r -> bigKey.equals(r.key()) || sweptKey.equals(r.key()))).isEmpty();
    }
}

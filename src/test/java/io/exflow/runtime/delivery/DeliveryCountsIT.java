package io.exflow.runtime.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import io.exflow.testing.Db;
import io.exflow.testing.ExflowTestResources;
import io.exflow.testing.Roles;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/**
 * Durable delivery counts against the real {@code delivery_count} table: a redelivered position is
 * recognised, and forgetting settled positions never waits for a row another transaction holds (the
 * database's lock timeout would otherwise stall the whole batch).
 */
@QuarkusTest
@QuarkusTestResource(ExflowTestResources.class)
@TestProfile(Roles.IntakeAndTriage.class)
class DeliveryCountsIT {
    static final String TOPIC = "counts-test";

    @Inject
    DeliveryCounts counts;
    @Inject
    DataSource dataSource;

    @Test
    void aRedeliveredPositionIsRecognisedAndSettledPositionsAreForgottenWithoutWaitingForHeldRows() throws Exception {
        String consumer = "counts-" + UUID.randomUUID();
        Db db = new Db(dataSource);

        assertThat(counts.countBatch(consumer, List.of(at(10), at(11)))).isEmpty();
        assertThat(counts.countBatch(consumer, List.of(at(10), at(11))))
                .containsExactlyInAnyOrder(position(10), position(11));

        try (Connection holder = dataSource.getConnection(); Statement s = holder.createStatement()) {
            holder.setAutoCommit(false);
            s.execute("SELECT 1 FROM delivery_count WHERE consumer = '" + consumer + "' AND kafka_offset = 10 FOR UPDATE");

            // Offset 10 is held by another transaction: the next batch counts itself and forgets 11 at once.
            assertThat(counts.countBatch(consumer, List.of(at(20)))).isEmpty();
            assertThat(offsets(db, consumer)).containsExactly(10L, 20L);
            holder.commit();
        }

        assertThat(counts.countBatch(consumer, List.of(at(21)))).isEmpty();
        assertThat(offsets(db, consumer)).containsExactly(21L);
    }

    private static List<Object> offsets(Db db, String consumer) {
        return db.rows("SELECT kafka_offset FROM delivery_count WHERE consumer = ? ORDER BY kafka_offset", consumer)
                .stream().map(row -> row.get("kafka_offset")).toList();
    }

    private static InboundRecord at(long offset) {
        return new InboundRecord(TOPIC, 3, offset, "k", Map.of(), new byte[0], 0, null);
    }

    private static DeliveryCounts.Position position(long offset) {
        return new DeliveryCounts.Position(TOPIC, 3, offset);
    }
}

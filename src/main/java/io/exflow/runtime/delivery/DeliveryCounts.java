package io.exflow.runtime.delivery;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Durable delivery counts of Kafka records (table {@code delivery_count}), so a record whose
 * handling ends the process is recognised by the next process — this replica after a restart,
 * or any other — and quarantined instead of ending it again. Each statement is its own short
 * transaction, committed before the records run: a transaction that dies with the process would
 * forget the count. A polled batch costs one statement and one round trip, whatever its size: the
 * statement commits on its own (auto-commit) and turns {@code synchronous_commit} off for itself
 * ({@code set_config(…, true)}; PostgreSQL applies the value in effect when a transaction commits),
 * so its commit does not wait for the WAL flush. A count must outlive the worker process, not
 * PostgreSQL itself (a count lost with PostgreSQL costs one more delivery before the quarantine).
 */
@ApplicationScoped
public class DeliveryCounts {
    /** A Kafka record's place. */
    public record Position(String topic, int partition, long offset) {
        static Position of(InboundRecord r) {
            return new Position(r.topic(), r.partition(), r.offset());
        }
    }

    /**
     * Counts one more delivery of every record (set-wise, positions in sorted order so two
     * replicas briefly sharing a partition lock rows in the same order) and forgets the counts
     * of records below each partition's first offset here: those were settled, or the consumer
     * would not have moved past them. Forgetting is housekeeping, so it skips rows another
     * transaction holds (a replica still sharing the partition during a rebalance) rather than
     * wait for them: a later batch forgets them.
     */
    private static final String COUNT_BATCH = """
            WITH delivered AS (
                SELECT d.* FROM unnest(?::text[], ?::int[], ?::bigint[]) AS d (topic, kafka_partition, kafka_offset),
                    set_config('synchronous_commit', 'off', true) AS without_flush_wait
            ), settled AS (
                DELETE FROM delivery_count WHERE ctid IN (
                    SELECT c.ctid FROM delivery_count c
                    JOIN (SELECT topic, kafka_partition, min(kafka_offset) AS first FROM delivered GROUP BY 1, 2) f
                      ON c.topic = f.topic AND c.kafka_partition = f.kafka_partition AND c.kafka_offset < f.first
                    WHERE c.consumer = ?
                    FOR UPDATE OF c SKIP LOCKED)
            ), counted AS (
                INSERT INTO delivery_count (consumer, topic, kafka_partition, kafka_offset)
                SELECT ?, topic, kafka_partition, kafka_offset FROM delivered ORDER BY topic, kafka_partition, kafka_offset
                ON CONFLICT (consumer, topic, kafka_partition, kafka_offset)
                DO UPDATE SET deliveries = delivery_count.deliveries + 1, last_at = now()
                RETURNING topic, kafka_partition, kafka_offset, deliveries
            )
            SELECT topic, kafka_partition, kafka_offset FROM counted WHERE deliveries > 1
            """;

    private final DataSource dataSource;

    public DeliveryCounts(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Counts this delivery of the batch's Kafka records (records without a position, such as Redis
     * jobs, are not counted).
     *
     * @return the positions delivered before without an outcome recorded since — a process ended,
     *         or the database went away, while they were in hand
     */
    public Set<Position> countBatch(String consumer, List<InboundRecord> records) {
        List<Position> positions = new ArrayList<>(records.size());
        for (InboundRecord r : records) {
            if (r.partition() != null && r.offset() != null && r.retryRowId() == null) {
                positions.add(Position.of(r));
            }
        }
        if (positions.isEmpty()) {
            return Set.of();
        }
        positions.sort(Comparator.comparing(Position::topic).thenComparingInt(Position::partition)
                .thenComparingLong(Position::offset));
        return Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement(COUNT_BATCH)) {
                ps.setArray(1, c.createArrayOf("text", positions.stream().map(Position::topic).toArray()));
                ps.setArray(2, c.createArrayOf("integer", positions.stream().map(Position::partition).toArray()));
                ps.setArray(3, c.createArrayOf("bigint", positions.stream().map(Position::offset).toArray()));
                ps.setString(4, consumer);
                ps.setString(5, consumer);
                Set<Position> seenBefore = new HashSet<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        seenBefore.add(new Position(rs.getString(1), rs.getInt(2), rs.getLong(3)));
                    }
                }
                return seenBefore;
            }
        });
    }

    /**
     * Counts a run of this record on its own (after a delivery of it did not reach an outcome).
     *
     * @return how many times it has now been run alone, this run included
     */
    public int countSoloRun(String consumer, InboundRecord r) {
        return Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO delivery_count AS d (consumer, topic, kafka_partition, "
                    + "kafka_offset, solo_runs) VALUES (?, ?, ?, ?, 1) ON CONFLICT (consumer, topic, kafka_partition, kafka_offset) "
                    + "DO UPDATE SET solo_runs = d.solo_runs + 1, last_at = now() "
                    + "RETURNING solo_runs, set_config('synchronous_commit', 'off', true)")) {
                ps.setString(1, consumer);
                ps.setString(2, r.topic());
                ps.setInt(3, r.partition());
                ps.setLong(4, r.offset());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        });
    }

    /** The record's outcome is recorded: its count is no longer needed (a redelivery starts from zero). */
    public void settled(String consumer, InboundRecord r) {
        Jdbc.update(dataSource, "DELETE FROM delivery_count WHERE consumer = ? AND topic = ? AND kafka_partition = ? "
                + "AND kafka_offset = ?", consumer, r.topic(), r.partition(), r.offset());
    }
}

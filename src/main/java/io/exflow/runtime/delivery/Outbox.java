package io.exflow.runtime.delivery;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import jakarta.enterprise.context.ApplicationScoped;

/** Writes outgoing records to the outbox table in the current transaction. */
@ApplicationScoped
public class Outbox {
    private static final String INSERT = "INSERT INTO outbox (topic, record_key, headers, payload) "
            + "SELECT t, k, h::jsonb, p FROM unnest(?::text[], ?::text[], ?::text[], ?::bytea[]) WITH ORDINALITY AS x (t, k, h, p, n) "
            + "ORDER BY n RETURNING id";

    private final DataSource dataSource;
    private final ObjectMapper mapper;
    private final Timeline timeline;

    public Outbox(DataSource dataSource, ObjectMapper mapper, Timeline timeline) {
        this.dataSource = dataSource;
        this.mapper = mapper;
        this.timeline = timeline;
    }

    /**
     * An inserted row: its id and what it carries, so the relay can publish it from memory right
     * after commit without reading it back.
     */
    public record Stored(long id, PendingWrites.OutboxRow row) {
    }

    /**
     * Inserts the rows with one statement (arrays unnested in order), so a lane of fifty events
     * is one statement and one round trip; returns them with their ids, in the same order.
     */
    public List<Stored> appendAll(List<PendingWrites.OutboxRow> rows) {
        return appendAll(rows, List.of());
    }

    /**
     * {@link #appendAll(List)}, writing these timeline entries in the same statement (a
     * data-modifying {@code WITH}): a lane's outbox rows and timeline entries cost one round trip.
     */
    public List<Stored> appendAll(List<PendingWrites.OutboxRow> rows, List<PendingWrites.TimelineEntry> entries) {
        String sql = entries.isEmpty() ? INSERT : "WITH timeline AS (" + Timeline.INSERT + ") " + INSERT;
        return Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int first = entries.isEmpty() ? 1 : timeline.bind(c, ps, 1, entries);
                int n = rows.size();
                String[] topics = new String[n];
                String[] keys = new String[n];
                String[] headers = new String[n];
                byte[][] payloads = new byte[n][];
                for (int i = 0; i < n; i++) {
                    PendingWrites.OutboxRow row = rows.get(i);
                    topics[i] = row.topic();
                    keys[i] = row.key();
                    headers[i] = json(row.headers());
                    payloads[i] = row.payload();
                }
                ps.setArray(first, c.createArrayOf("text", topics));
                ps.setArray(first + 1, c.createArrayOf("text", keys));
                ps.setArray(first + 2, c.createArrayOf("text", headers));
                ps.setArray(first + 3, c.createArrayOf("bytea", payloads));
                List<Long> ids = new ArrayList<>(n);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getLong(1));
                    }
                }
                if (ids.size() != n) {
                    throw new IllegalStateException("outbox insert returned " + ids.size() + " ids for " + n + " rows");
                }
                ids.sort(null); // ids are drawn in the order the rows are inserted, which is the given order
                List<Stored> stored = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    stored.add(new Stored(ids.get(i), rows.get(i)));
                }
                return stored;
            }
        });
    }

    private String json(Map<String, String> headers) {
        try {
            return mapper.writeValueAsString(headers);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

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
    private static final String INSERT = "INSERT INTO outbox (topic, record_key, headers, payload) VALUES (?, ?, ?::jsonb, ?)";

    private final DataSource dataSource;
    private final ObjectMapper mapper;

    public Outbox(DataSource dataSource, ObjectMapper mapper) {
        this.dataSource = dataSource;
        this.mapper = mapper;
    }

    /**
     * An inserted row: its id and what it carries, so the relay can publish it from memory right
     * after commit without reading it back.
     */
    public record Stored(long id, PendingWrites.OutboxRow row) {
    }

    /** Inserts the rows as one JDBC batch; returns them with their ids, in the same order. */
    public List<Stored> appendAll(List<PendingWrites.OutboxRow> rows) {
        return Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement(INSERT, new String[] {"id"})) {
                for (PendingWrites.OutboxRow row : rows) {
                    ps.setString(1, row.topic());
                    ps.setString(2, row.key());
                    ps.setString(3, json(row.headers()));
                    ps.setBytes(4, row.payload());
                    ps.addBatch();
                }
                ps.executeBatch();
                List<Stored> stored = new ArrayList<>(rows.size());
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    while (keys.next()) {
                        stored.add(new Stored(keys.getLong(1), rows.get(stored.size())));
                    }
                }
                if (stored.size() != rows.size()) {
                    throw new IllegalStateException("outbox insert returned " + stored.size() + " ids for " + rows.size() + " rows");
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

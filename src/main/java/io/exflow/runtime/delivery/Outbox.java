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

    /** @return the outbox row id, so the relay can publish it right after commit */
    public long append(String topic, String key, Map<String, String> headers, byte[] payload) {
        return appendAll(List.of(new PendingWrites.OutboxRow(topic, key, headers, payload))).get(0);
    }

    /** Inserts the rows as one JDBC batch; returns their ids in the same order. */
    public List<Long> appendAll(List<PendingWrites.OutboxRow> rows) {
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
                List<Long> ids = new ArrayList<>(rows.size());
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    while (keys.next()) {
                        ids.add(keys.getLong(1));
                    }
                }
                if (ids.size() != rows.size()) {
                    throw new IllegalStateException("outbox insert returned " + ids.size() + " ids for " + rows.size() + " rows");
                }
                return ids;
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

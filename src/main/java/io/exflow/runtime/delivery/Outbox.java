package io.exflow.runtime.delivery;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;

import javax.sql.DataSource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import jakarta.enterprise.context.ApplicationScoped;

/** Writes outgoing records to the outbox table in the current transaction. */
@ApplicationScoped
public class Outbox {
    private final DataSource dataSource;
    private final ObjectMapper mapper;

    public Outbox(DataSource dataSource, ObjectMapper mapper) {
        this.dataSource = dataSource;
        this.mapper = mapper;
    }

    /** @return the outbox row id, so the relay can publish it right after commit */
    public long append(String topic, String key, Map<String, String> headers, byte[] payload) {
        String headersJson = json(headers);
        return Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO outbox (topic, record_key, headers, payload) VALUES (?, ?, ?::jsonb, ?) RETURNING id")) {
                ps.setString(1, topic);
                ps.setString(2, key);
                ps.setString(3, headersJson);
                ps.setBytes(4, payload);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
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

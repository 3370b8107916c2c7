package io.exflow.runtime.delivery;

import java.sql.PreparedStatement;
import java.util.UUID;

import javax.sql.DataSource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import jakarta.enterprise.context.ApplicationScoped;

/** Appends to an exception's timeline in the current transaction. */
@ApplicationScoped
public class Timeline {
    private final DataSource dataSource;
    private final ObjectMapper mapper;

    public Timeline(DataSource dataSource, ObjectMapper mapper) {
        this.dataSource = dataSource;
        this.mapper = mapper;
    }

    public void append(UUID exceptionId, String tenantId, UUID eventId, String entryType, String actor, Object detail) {
        String detailJson;
        try {
            detailJson = mapper.writeValueAsString(detail == null ? java.util.Map.of() : detail);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO exception_timeline "
                    + "(exception_id, tenant_id, event_id, event_type, actor, detail) VALUES (?, ?, ?, ?, ?, ?::jsonb)")) {
                ps.setObject(1, exceptionId);
                ps.setString(2, tenantId);
                ps.setObject(3, eventId);
                ps.setString(4, entryType);
                ps.setString(5, actor);
                ps.setString(6, detailJson);
                return ps.executeUpdate();
            }
        });
    }
}

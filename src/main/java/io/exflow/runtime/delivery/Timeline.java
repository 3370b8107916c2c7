package io.exflow.runtime.delivery;

import java.sql.PreparedStatement;
import java.util.List;
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
        appendAll(List.of(new PendingWrites.TimelineEntry(exceptionId, tenantId, eventId, entryType, actor, detail)));
    }

    /** Inserts the entries as one JDBC batch, in order (their ids follow it). */
    public void appendAll(List<PendingWrites.TimelineEntry> entries) {
        Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO exception_timeline "
                    + "(exception_id, tenant_id, event_id, event_type, actor, detail) VALUES (?, ?, ?, ?, ?, ?::jsonb)")) {
                for (PendingWrites.TimelineEntry e : entries) {
                    ps.setObject(1, e.exceptionId());
                    ps.setString(2, e.tenantId());
                    ps.setObject(3, e.eventId());
                    ps.setString(4, e.entryType());
                    ps.setString(5, e.actor());
                    ps.setString(6, json(e.detail()));
                    ps.addBatch();
                }
                return ps.executeBatch();
            }
        });
    }

    private String json(Object detail) {
        if (detail instanceof PendingWrites.SerializedJson serialized) {
            return new String(serialized.utf8(), java.nio.charset.StandardCharsets.UTF_8);
        }
        try {
            return mapper.writeValueAsString(detail == null ? java.util.Map.of() : detail);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

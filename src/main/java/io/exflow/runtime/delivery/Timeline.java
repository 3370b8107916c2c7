package io.exflow.runtime.delivery;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
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

    /** Inserts entries given as six arrays ({@link #bind}), in order (their ids follow it). */
    static final String INSERT = "INSERT INTO exception_timeline "
            + "(exception_id, tenant_id, event_id, event_type, actor, detail) SELECT e, t, ev, ty, a, d::jsonb "
            + "FROM unnest(?::uuid[], ?::text[], ?::uuid[], ?::text[], ?::text[], ?::text[]) WITH ORDINALITY "
            + "AS x (e, t, ev, ty, a, d, n) ORDER BY n";

    /** Inserts the entries with one statement, in order (their ids follow it). */
    public void appendAll(List<PendingWrites.TimelineEntry> entries) {
        Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement(INSERT)) {
                bind(c, ps, 1, entries);
                return ps.executeUpdate();
            }
        });
    }

    /**
     * Binds the entries to {@link #INSERT}'s parameters, from parameter {@code first} on (the
     * outbox writes them within its own statement, see {@link Outbox#appendAll(List, List)}).
     *
     * @return the index of the next parameter
     */
    int bind(Connection c, PreparedStatement ps, int first, List<PendingWrites.TimelineEntry> entries) throws SQLException {
        int n = entries.size();
        Object[] exceptions = new Object[n];
        String[] tenants = new String[n];
        Object[] events = new Object[n];
        String[] types = new String[n];
        String[] actors = new String[n];
        String[] details = new String[n];
        for (int i = 0; i < n; i++) {
            PendingWrites.TimelineEntry e = entries.get(i);
            exceptions[i] = e.exceptionId();
            tenants[i] = e.tenantId();
            events[i] = e.eventId();
            types[i] = e.entryType();
            actors[i] = e.actor();
            details[i] = json(e.detail());
        }
        ps.setArray(first, c.createArrayOf("uuid", exceptions));
        ps.setArray(first + 1, c.createArrayOf("text", tenants));
        ps.setArray(first + 2, c.createArrayOf("uuid", events));
        ps.setArray(first + 3, c.createArrayOf("text", types));
        ps.setArray(first + 4, c.createArrayOf("text", actors));
        ps.setArray(first + 5, c.createArrayOf("text", details));
        return first + 6;
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

package io.exflow.runtime.delivery;

import java.sql.PreparedStatement;
import java.util.UUID;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Claims (consumer, event) in the handler's transaction. The insert blocks behind a
 * concurrent uncommitted claim of the same pair and then reports the duplicate, so two
 * deliveries can never both pass; a rolled-back handler releases its claim.
 */
@ApplicationScoped
public class IdempotencyClaims {
    private final DataSource dataSource;

    public IdempotencyClaims(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** @return true if this is the first claim, false for a duplicate */
    public boolean claim(String consumer, UUID eventId) {
        return Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO processed_event (consumer, event_id) VALUES (?, ?) ON CONFLICT DO NOTHING")) {
                ps.setString(1, consumer);
                ps.setObject(2, eventId);
                return ps.executeUpdate() == 1;
            }
        });
    }
}

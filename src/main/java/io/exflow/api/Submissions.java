package io.exflow.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.HexFormat;
import java.util.UUID;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;

import io.exflow.ingest.Ingestion;
import io.exflow.runtime.config.ExflowSettings;
import io.exflow.runtime.config.WorkerRole;
import io.exflow.runtime.delivery.Jdbc;
import io.exflow.runtime.event.EventEnvelope;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

/**
 * Accepts a submitted exception, once per Idempotency-Key: the key is claimed (insert-on-conflict)
 * in the same transaction that writes the ingested event to the outbox, so a retried POST —
 * even one racing the first on another replica — gets the same exception id, and a key is
 * never taken without its exception nor an exception accepted twice for one key.
 */
@ApplicationScoped
public class Submissions {
    static final int MAX_KEY_CHARS = 200;

    private final DataSource dataSource;
    private final Ingestion ingestion;
    private final ApiSettings api;
    private final ExflowSettings settings;

    public Submissions(DataSource dataSource, Ingestion ingestion, ApiSettings api, ExflowSettings settings) {
        this.dataSource = dataSource;
        this.ingestion = ingestion;
        this.api = api;
        this.settings = settings;
    }

    /** @param replayed true when the key had already been used: the first request's answer */
    public record Accepted(UUID exceptionId, UUID eventId, boolean replayed) {
    }

    public static void checkKey(String key) {
        if (key != null && (key.isBlank() || key.length() > MAX_KEY_CHARS || !key.chars().allMatch(ch -> ch > 32 && ch < 127))) {
            throw ProblemException.badRequest("Idempotency-Key must be 1-" + MAX_KEY_CHARS + " visible ASCII characters");
        }
    }

    @Transactional
    public Accepted submit(String tenantId, String idempotencyKey, JsonNode payload) {
        if (idempotencyKey == null) {
            EventEnvelope event = ingestion.ingest(tenantId, payload, WorkerRole.API.id());
            return new Accepted(event.exceptionId(), event.id(), false);
        }
        String hash = sha256(payload.toString());
        boolean claimed = Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO api_idempotency (tenant_id, idem_key, request_hash) "
                    + "VALUES (?, ?, ?) ON CONFLICT (tenant_id, idem_key) DO NOTHING")) {
                ps.setString(1, tenantId);
                ps.setString(2, idempotencyKey);
                ps.setString(3, hash);
                return ps.executeUpdate() == 1;
            }
        });
        if (!claimed) {
            return earlier(tenantId, idempotencyKey, hash);
        }
        EventEnvelope event = ingestion.ingest(tenantId, payload, WorkerRole.API.id());
        Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE api_idempotency SET exception_id = ?, event_id = ? "
                    + "WHERE tenant_id = ? AND idem_key = ?")) {
                ps.setObject(1, event.exceptionId());
                ps.setObject(2, event.id());
                ps.setString(3, tenantId);
                ps.setString(4, idempotencyKey);
                return ps.executeUpdate();
            }
        });
        return new Accepted(event.exceptionId(), event.id(), false);
    }

    private Accepted earlier(String tenantId, String key, String hash) {
        return Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT request_hash, exception_id, event_id FROM api_idempotency "
                    + "WHERE tenant_id = ? AND idem_key = ?")) {
                ps.setString(1, tenantId);
                ps.setString(2, key);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) { // purged between our insert and this read: extremely unlikely, safe to retry
                        throw ProblemException.conflict("idempotency-key-in-flight", "retry the request");
                    }
                    if (!hash.equals(rs.getString(1))) {
                        throw new ProblemException(Problem.of(422, "idempotency-key-reused", "Unprocessable Content",
                                "this Idempotency-Key was already used with a different request body"));
                    }
                    return new Accepted((UUID) rs.getObject(2), (UUID) rs.getObject(3), true);
                }
            }
        });
    }

    /** Keys older than API_IDEMPOTENCY_RETENTION are forgotten; any api replica may run this. */
    @Scheduled(every = "10m", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    @Transactional
    void purge() {
        if (!settings.runs(WorkerRole.API)) {
            return;
        }
        Jdbc.with(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM api_idempotency WHERE created_at < ?")) {
                ps.setObject(1, java.sql.Timestamp.from(Instant.now().minus(api.idempotencyRetention())));
                return ps.executeUpdate();
            }
        });
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

package io.exflow.domain;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.PreUpdate;
import jakarta.persistence.Table;

/** The system-of-record row of one business exception. Holds redacted data only. */
/*
 * What intake writes once is not updatable, so an UPDATE carries only the columns the stages
 * change (never the JSON ones) and is the same statement for every record: Hibernate batches a
 * lane's updates into one round trip. (@DynamicUpdate sent fewer columns but one statement per
 * record, unbatched: 44 round trips at commit for a lane of 44 at saturation.)
 */
@Entity
@Table(name = "exception_record")
public class ExceptionRecord extends PanacheEntityBase {
    @Id
    public UUID id;

    @Column(name = "tenant_id", nullable = false, updatable = false)
    public String tenantId;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public ExceptionState state;

    @Column(name = "exception_type", nullable = false, updatable = false)
    public String exceptionType;

    @Column(name = "source_system", updatable = false)
    public String sourceSystem;

    @Column(name = "entity_id", updatable = false)
    public String entityId;

    @Column(updatable = false)
    public BigDecimal amount;
    @Column(updatable = false)
    public String currency;
    @Column(updatable = false)
    public String summary;

    @Column(name = "occurred_at", updatable = false)
    public Instant occurredAt;

    @Column(name = "ingested_at", nullable = false, updatable = false)
    public Instant ingestedAt;

    /** Normalized, redacted payload as JSON text. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false, updatable = false)
    public String payload;

    /** Where PII was found and of what kind (never the values), as JSON text. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false, updatable = false)
    public String redactions;

    public String severity;

    @Column(name = "severity_source")
    public String severitySource;

    @Column(name = "sla_deadline")
    public Instant slaDeadline;

    @Column(name = "sla_imminent_at")
    public Instant slaImminentAt;

    public String decision;

    @Column(name = "playbook_id")
    public String playbookId;

    @Column(name = "close_outcome")
    public String closeOutcome;

    @Column(name = "close_reason")
    public String closeReason;

    @Column(name = "closed_at")
    public Instant closedAt;

    /** The trace it was ingested in (W3C traceparent/tracestate), for spans that start later to link to; null untraced. */
    @Column(name = "trace_parent", updatable = false)
    public String traceParent;

    @Column(name = "trace_state", updatable = false)
    public String traceState;

    @Column(name = "created_at", nullable = false, updatable = false)
    public Instant createdAt = Instant.now();

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt = Instant.now();

    /**
     * The record an event refers to, locked for this transaction (so stages and the SLA monitor
     * never interleave their updates). An event about an exception that does not exist is bad data.
     */
    public static ExceptionRecord lockForUpdate(java.util.UUID id) {
        ExceptionRecord record = findById(id, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
        if (record == null) {
            throw new io.exflow.runtime.delivery.PermanentFailure(io.exflow.runtime.delivery.ReasonCode.VALIDATION_FAILED,
                    "no exception record " + id);
        }
        return record;
    }

    /**
     * Locks the records these events refer to with one statement, in id order (so two
     * transactions locking overlapping sets cannot deadlock); {@link #lockForUpdate} then finds
     * them in the persistence context, already locked, without another round trip. Native SQL
     * with one array parameter: an HQL {@code IN} list is translated anew for every list size.
     */
    public static void lockAll(java.util.List<io.exflow.runtime.event.EventEnvelope> events) {
        java.util.UUID[] ids = events.stream().map(io.exflow.runtime.event.EventEnvelope::exceptionId).distinct()
                .toArray(java.util.UUID[]::new);
        if (ids.length > 1) {
            getEntityManager().createNativeQuery("SELECT {e.*} FROM exception_record e WHERE e.id = ANY (?1) ORDER BY e.id "
                    + "FOR NO KEY UPDATE").unwrap(org.hibernate.query.NativeQuery.class)
                    .addEntity("e", ExceptionRecord.class, org.hibernate.LockMode.PESSIMISTIC_WRITE)
                    .setParameter(1, ids).getResultList();
        }
    }

    @PreUpdate
    void touch() {
        updatedAt = Instant.now();
    }
}

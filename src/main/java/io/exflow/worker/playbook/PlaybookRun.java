package io.exflow.worker.playbook;

import java.time.Instant;
import java.util.UUID;

import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.PreUpdate;
import jakarta.persistence.Table;

/** Where one exception's playbook is: step, attempt, the job in flight, and tools used so far. */
/* Not @DynamicUpdate: one UPDATE statement for every run, so a lane's updates are batched (see ExceptionRecord). */
@Entity
@Table(name = "playbook_run")
public class PlaybookRun extends PanacheEntityBase {
    public enum Status {
        RUNNING, WAITING_APPROVAL, SUCCEEDED, FAILED, REJECTED
    }

    @Id
    @Column(name = "exception_id")
    public UUID exceptionId;

    @Column(name = "tenant_id", nullable = false, updatable = false)
    public String tenantId;

    @Column(name = "playbook_id", nullable = false)
    public String playbookId;

    @jakarta.persistence.Enumerated(jakarta.persistence.EnumType.STRING)
    @Column(nullable = false)
    public Status status;

    @Column(name = "step_index", nullable = false)
    public int stepIndex;

    @Column(name = "step_attempt", nullable = false)
    public int stepAttempt;

    @Column(name = "current_job_id")
    public UUID currentJobId;

    @Column(name = "auto_approved", nullable = false)
    public boolean autoApproved;

    /** JSON array of tool names, in call order. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "tools_used", nullable = false)
    public String toolsUsed = "[]";

    @Column(name = "started_at", nullable = false, updatable = false)
    public Instant startedAt = Instant.now();

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt = Instant.now();

    @PreUpdate
    void touch() {
        updatedAt = Instant.now();
    }

    /** Loads the runs of these events' exceptions with one statement (see {@link io.exflow.runtime.EventHandler#preload}). */
    static void loadAll(java.util.List<io.exflow.runtime.event.EventEnvelope> events) {
        UUID[] ids = events.stream().map(io.exflow.runtime.event.EventEnvelope::exceptionId).distinct().toArray(UUID[]::new);
        if (ids.length > 1) {
            getEntityManager().createNativeQuery("SELECT {r.*} FROM playbook_run r WHERE r.exception_id = ANY (?1)")
                    .unwrap(org.hibernate.query.NativeQuery.class).addEntity("r", PlaybookRun.class).setParameter(1, ids)
                    .getResultList();
        }
    }
}

package io.exflow.worker.playbook;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.hibernate.LockMode;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.query.NativeQuery;
import org.hibernate.type.SqlTypes;

import io.exflow.domain.ExceptionRecord;
import io.exflow.runtime.event.EventEnvelope;
import io.quarkus.arc.Arc;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.PreUpdate;
import jakarta.persistence.Table;
import jakarta.transaction.TransactionSynchronizationRegistry;

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

    /** Transaction resource: the exceptions the lane's preload found without a run. */
    private static final String MISSING_RUNS = PlaybookRun.class.getName() + ".missing";

    /**
     * Locks the events' exception records (in id order, as {@link ExceptionRecord#lockAll}) and loads
     * their runs, with one statement; remembers which exceptions have no run, so looking one of them
     * up ({@link #ofException}) costs no round trip. The record's lock keeps a missing run missing:
     * a run is only created by a transaction holding it.
     */
    static void lockRecordsAndLoadRuns(List<EventEnvelope> events) {
        UUID[] ids = events.stream().map(EventEnvelope::exceptionId).distinct().toArray(UUID[]::new);
        List<?> rows = getEntityManager().createNativeQuery("SELECT {e.*}, {r.*} FROM exception_record e "
                + "LEFT JOIN playbook_run r ON r.exception_id = e.id WHERE e.id = ANY (?1) ORDER BY e.id FOR NO KEY UPDATE OF e")
                .unwrap(NativeQuery.class).addEntity("e", ExceptionRecord.class, LockMode.PESSIMISTIC_WRITE)
                .addEntity("r", PlaybookRun.class).setParameter(1, ids).getResultList();
        Set<UUID> missing = new HashSet<>();
        for (Object row : rows) {
            Object[] pair = (Object[]) row;
            if (pair[1] == null) {
                missing.add(((ExceptionRecord) pair[0]).id);
            }
        }
        transactions().putResource(MISSING_RUNS, missing);
    }

    /** This exception's run, or null if it has none yet. */
    public static PlaybookRun ofException(UUID exceptionId) {
        @SuppressWarnings("unchecked")
        Set<UUID> missing = (Set<UUID>) transactions().getResource(MISSING_RUNS);
        // Only the first lookup may trust the preload: this transaction may start the run after it.
        if (missing != null && missing.remove(exceptionId)) {
            return null;
        }
        return findById(exceptionId);
    }

    private static TransactionSynchronizationRegistry transactions() {
        return Arc.container().instance(TransactionSynchronizationRegistry.class).get();
    }
}

package io.exflow.worker.playbook;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.jboss.logging.Logger;

import io.exflow.domain.ExceptionRecord;
import io.exflow.runtime.Emission;
import io.exflow.runtime.EventPublisher;
import io.exflow.runtime.config.ExflowSettings;
import io.exflow.runtime.config.WorkerRole;
import io.exflow.runtime.event.EventKind;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

/**
 * Sends a tool job again when a run has waited longer than TOOL_JOB_OVERDUE for it and no
 * tool worker ever started it — what a Redis restart without persistence leaves behind (the
 * outbox row was deleted once the job was pushed). A copy that turns out not to be lost is
 * harmless: the tool worker answers a second copy of an attempt with the recorded result.
 */
@ApplicationScoped
public class ToolJobWatchdog {
    private static final Logger LOG = Logger.getLogger(ToolJobWatchdog.class);
    private static final int BATCH = 100;

    private final ExflowSettings settings;
    private final PlaybookRunner runner;
    private final EventPublisher publisher;
    private final Duration overdue;

    public ToolJobWatchdog(ExflowSettings settings, PlaybookRunner runner, EventPublisher publisher) {
        this.settings = settings;
        this.runner = runner;
        this.publisher = publisher;
        this.overdue = settings.toolJobOverdue();
    }

    @Scheduled(every = "${exflow.tool.job-overdue-check}", delayed = "5s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void check() {
        if (!settings.runs(WorkerRole.PLAYBOOK)) {
            return;
        }
        try {
            int resent = QuarkusTransaction.requiringNew().call(this::resendOverdue);
            if (resent > 0) {
                LOG.warnf("re-sent %d overdue tool job(s) that no tool worker had started", resent);
            }
        } catch (RuntimeException e) {
            LOG.debugf("overdue tool job check failed, will try again: %s", e.getMessage());
        }
    }

    /** Any replica may run this: runs are claimed with SKIP LOCKED and touched, so each is re-sent once per period. */
    int resendOverdue() {
        @SuppressWarnings("unchecked")
        List<UUID> overdueRuns = PlaybookRun.getEntityManager().createNativeQuery("SELECT r.exception_id FROM playbook_run r "
                + "WHERE r.status = 'RUNNING' AND r.current_job_id IS NOT NULL "
                + "AND r.updated_at < now() - make_interval(secs => :seconds) "
                + "AND NOT EXISTS (SELECT 1 FROM tool_execution t WHERE t.job_id = r.current_job_id) "
                + "ORDER BY r.updated_at LIMIT " + BATCH + " FOR UPDATE OF r SKIP LOCKED")
                .setParameter("seconds", (double) overdue.toMillis() / 1000).getResultList();
        for (UUID id : overdueRuns) {
            ExceptionRecord record = ExceptionRecord.findById(id, LockModeType.PESSIMISTIC_WRITE);
            PlaybookRun run = PlaybookRun.findById(id);
            if (record == null || run == null || record.state.closed()) {
                continue;
            }
            publisher.publish(Emission.of(EventKind.TOOL_JOB, runner.currentJob(record, run)).about(record.tenantId, record.id)
                    .by(WorkerRole.PLAYBOOK.id()).toQueue(runner.queueFor(record.severity)));
            run.updatedAt = java.time.Instant.now();
        }
        return overdueRuns.size();
    }
}

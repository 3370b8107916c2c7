package io.exflow.runtime.delivery;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;

/**
 * Hands committed outbox rows to the relay — the one place where "after commit" happens. The
 * delivery engine calls {@link #committed} once its transaction returned; code that writes
 * events inside a transaction it does not own (the api, the SLA monitor) uses {@link #onCommit},
 * and {@link #run} does anything else that must wait for the commit (counting an outcome).
 */
@ApplicationScoped
public class AfterCommit {
    private final OutboxRelay relay;
    private final TransactionSynchronizationRegistry transactions;

    public AfterCommit(OutboxRelay relay, TransactionSynchronizationRegistry transactions) {
        this.relay = relay;
        this.transactions = transactions;
    }

    /** The transaction that wrote these rows has committed: publish them now. */
    public void committed(List<Outbox.Stored> rows) {
        relay.publishSoon(rows);
    }

    /** Publishes these rows when the current transaction commits (nothing if it rolls back). */
    public void onCommit(List<Outbox.Stored> rows) {
        @SuppressWarnings("unchecked")
        List<Outbox.Stored> held = (List<Outbox.Stored>) transactions.getResource(AfterCommit.class);
        if (held == null) {
            List<Outbox.Stored> fresh = new ArrayList<>();
            transactions.putResource(AfterCommit.class, fresh);
            run(() -> committed(fresh)); // one hand-off per transaction, however many events it wrote
            held = fresh;
        }
        held.addAll(rows);
    }

    /** Runs {@code action} once the current transaction has committed (never if it rolls back). */
    public void run(Runnable action) {
        transactions.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
                if (status == Status.STATUS_COMMITTED) {
                    action.run();
                }
            }
        });
    }
}

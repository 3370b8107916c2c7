-- exflow schema v7, step 4 of 4: indexes the retention job's bounded batches walk. Built
-- CONCURRENTLY (Flyway runs this script outside a transaction), so writers are never blocked.

-- Closed exceptions, oldest close first (their per-exception rows are deleted in batches).
CREATE INDEX CONCURRENTLY IF NOT EXISTS exception_record_closed ON exception_record (closed_at) WHERE closed_at IS NOT NULL;
-- Handled (replayed or discarded) dead letters, oldest first.
CREATE INDEX CONCURRENTLY IF NOT EXISTS dead_letter_handled ON dead_letter (updated_at) WHERE status <> 'PENDING';

-- exflow schema v7, step 1 of 3: the two tables that grow by several rows per event
-- (processed_event, the idempotency claims, and exception_timeline) become time-partitioned, so
-- retention drops whole partitions instead of deleting rows (docs/scaling.md, "Retention").
--
-- The populated tables are not copied: each becomes the first ("legacy") partition of a new
-- partitioned table, covering everything before a cut-over instant. Attaching a table as a
-- partition needs a validated constraint proving its rows fit the range; adding the constraint
-- (here, NOT VALID: no scan, a brief lock), validating it (V7_1: a scan that does not block
-- writers) and the swap (V7_2: metadata only) are separate migrations, so Flyway commits each in
-- its own transaction and no step holds an exclusive lock while it reads the table.

-- The cut-over is the first UTC midnight at least two hours away: replicas of the previous
-- version that keep writing during a rolling upgrade stay inside the constraint until the swap.
CREATE TABLE partition_cutover (
    table_name  TEXT PRIMARY KEY,
    cutoff      TIMESTAMPTZ NOT NULL
);
INSERT INTO partition_cutover (table_name, cutoff)
SELECT t, (date_trunc('day', (now() AT TIME ZONE 'UTC') + interval '2 hours') + interval '1 day') AT TIME ZONE 'UTC'
FROM unnest(ARRAY['processed_event', 'exception_timeline']) AS t;

DO $$
DECLARE
    cut TIMESTAMPTZ := (SELECT cutoff FROM partition_cutover WHERE table_name = 'processed_event');
BEGIN
    EXECUTE format('ALTER TABLE processed_event ADD CONSTRAINT processed_event_before_cutover '
                   'CHECK (processed_at < %L) NOT VALID', cut);
    EXECUTE format('ALTER TABLE exception_timeline ADD CONSTRAINT exception_timeline_before_cutover '
                   'CHECK (at < %L) NOT VALID', cut);
END $$;

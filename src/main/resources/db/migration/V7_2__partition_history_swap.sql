-- exflow schema v7, step 3 of 3: the swap. The old tables are renamed and attached as the first
-- partition of new partitioned tables with the old names; the validated constraint lets
-- PostgreSQL skip the scan, so every statement here is metadata only (short locks).
-- Later partitions are created ahead and dropped whole by io.exflow.runtime.retention.Retention.

-- Idempotency claims, partitioned by claim time (one partition per UTC day). The parent has no
-- unique key (a partitioned table's unique keys must include processed_at, which differs between
-- two deliveries); each partition has its own primary key (consumer, event_id), and a claim looks
-- for the pair in every retained partition before inserting (IdempotencyClaims).
ALTER TABLE processed_event RENAME TO processed_event_legacy;
ALTER INDEX processed_event_pkey RENAME TO processed_event_legacy_pkey;
CREATE TABLE processed_event (
    consumer      TEXT        NOT NULL,
    event_id      UUID        NOT NULL,
    processed_at  TIMESTAMPTZ NOT NULL DEFAULT now()
) PARTITION BY RANGE (processed_at);

-- Timeline, partitioned by time (one partition per 7 days). Ids keep coming from the same sequence,
-- which must outlive the legacy partition: it now belongs to the new table's column.
ALTER TABLE exception_timeline RENAME TO exception_timeline_legacy;
ALTER INDEX exception_timeline_pkey RENAME TO exception_timeline_legacy_pkey;
ALTER INDEX exception_timeline_exception RENAME TO exception_timeline_legacy_exception;
CREATE TABLE exception_timeline (
    id            BIGINT      NOT NULL DEFAULT nextval('exception_timeline_id_seq'),
    exception_id  UUID        NOT NULL,
    tenant_id     TEXT        NOT NULL,
    event_id      UUID,
    event_type    TEXT        NOT NULL,
    actor         TEXT        NOT NULL,
    detail        JSONB       NOT NULL DEFAULT '{}',
    at            TIMESTAMPTZ NOT NULL DEFAULT now()
) PARTITION BY RANGE (at);
ALTER SEQUENCE exception_timeline_id_seq OWNED BY exception_timeline.id;
-- Partitioned index: the legacy table's equivalent index is adopted on attach, new partitions get their own.
CREATE INDEX exception_timeline_exception ON exception_timeline (exception_id, id);

DO $$
DECLARE
    cut  TIMESTAMPTZ := (SELECT cutoff FROM partition_cutover WHERE table_name = 'processed_event');
    low  TIMESTAMPTZ;
    name TEXT;
BEGIN
    EXECUTE format('ALTER TABLE processed_event ATTACH PARTITION processed_event_legacy '
                   'FOR VALUES FROM (MINVALUE) TO (%L)', cut);
    EXECUTE format('ALTER TABLE exception_timeline ATTACH PARTITION exception_timeline_legacy '
                   'FOR VALUES FROM (MINVALUE) TO (%L)', cut);
    -- The first partitions after the cut-over, up to three days ahead; the retention job keeps
    -- creating them from there (the same names and widths).
    low := cut;
    WHILE low < now() + interval '3 days' LOOP
        name := 'processed_event_p' || to_char(low AT TIME ZONE 'UTC', 'YYYYMMDD');
        EXECUTE format('CREATE TABLE %I (LIKE processed_event INCLUDING DEFAULTS, PRIMARY KEY (consumer, event_id))', name);
        EXECUTE format('ALTER TABLE processed_event ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                       name, low, low + interval '1 day');
        low := low + interval '1 day';
    END LOOP;
    low := cut;
    WHILE low < now() + interval '3 days' LOOP
        name := 'exception_timeline_p' || to_char(low AT TIME ZONE 'UTC', 'YYYYMMDD');
        EXECUTE format('CREATE TABLE %I (LIKE exception_timeline INCLUDING DEFAULTS, PRIMARY KEY (id))', name);
        EXECUTE format('ALTER TABLE exception_timeline ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                       name, low, low + interval '7 days');
        low := low + interval '7 days';
    END LOOP;
END $$;

-- The cut-over constraints did their job (they are implied by the partition bounds now).
ALTER TABLE processed_event_legacy DROP CONSTRAINT processed_event_before_cutover;
ALTER TABLE exception_timeline_legacy DROP CONSTRAINT exception_timeline_before_cutover;

-- Pre-seeds a freshly migrated exflow database with history, server-side (generate_series), for a
-- benchmark of throughput as history grows: bin/bench runs it for its `history` deployment.
--   psql -d exflow_bench -v claims=50000000 -v closed=5000000 -f bench/seed-history.sql
-- Claims are spread over the last 7 days in daily partitions (the steady state once the legacy
-- partition of the upgrade is gone); closed exceptions over the last 80 days, each with 9 timeline
-- entries (legacy timeline partition: fine for a fresh database), a playbook run and an outcome.
\set ON_ERROR_STOP on
\if :{?claims} \else \set claims 50000000 \endif
\if :{?closed} \else \set closed 5000000 \endif

-- A fresh database's legacy claims partition is empty: replace it by daily partitions for the past week.
DO $$
DECLARE
    day TIMESTAMPTZ := date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '7 days';
    first_new TIMESTAMPTZ := (SELECT cutoff FROM partition_cutover WHERE table_name = 'processed_event');
BEGIN
    IF EXISTS (SELECT 1 FROM processed_event_legacy LIMIT 1) THEN
        RAISE EXCEPTION 'processed_event_legacy holds claims: seed a fresh database';
    END IF;
    ALTER TABLE processed_event DETACH PARTITION processed_event_legacy;
    DROP TABLE processed_event_legacy;
    WHILE day < first_new LOOP
        EXECUTE format('CREATE TABLE %I (LIKE processed_event INCLUDING DEFAULTS, PRIMARY KEY (consumer, event_id))',
                       'processed_event_p' || to_char(day AT TIME ZONE 'UTC', 'YYYYMMDD'));
        EXECUTE format('ALTER TABLE processed_event ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                       'processed_event_p' || to_char(day AT TIME ZONE 'UTC', 'YYYYMMDD'), day, least(day + interval '1 day', first_new));
        day := day + interval '1 day';
    END LOOP;
END $$;

-- Claims: nine consumers, ids time-ordered by their claim time like exflow's UUIDv7 (48-bit ms
-- prefix, version 7, random rest), claim times spread evenly over the past 7 days.
INSERT INTO processed_event (consumer, event_id, processed_at)
SELECT 'exflow-' || (ARRAY['intake','triage','policy','playbook','tool','playbook','feedback','sla-monitor','policy'])[1 + g % 9],
       (lpad(to_hex((extract(epoch FROM at) * 1000)::bigint), 12, '0') || '7' || substr(md5(g::text), 1, 3) || '8'
           || substr(md5(g::text), 4, 15))::uuid,
       at
FROM (SELECT g, now() - interval '7 days' + (g::double precision / :claims) * interval '7 days' - interval '1 minute' AS at
      FROM generate_series(1, :claims) g) s;

-- Closed exceptions with their history.
INSERT INTO tenant (id, name, status, domain, policy) VALUES ('seed-bank', 'Seed', 'ACTIVE', 'finance', '{}')
ON CONFLICT DO NOTHING;
CREATE TEMP TABLE seeded AS
SELECT md5('x' || g)::uuid AS id, now() - interval '80 days' + (g::double precision / :closed) * interval '79 days' AS at
FROM generate_series(1, :closed) g;
INSERT INTO exception_record (id, tenant_id, state, exception_type, ingested_at, payload, severity, decision,
                              playbook_id, close_outcome, closed_at)
SELECT id, 'seed-bank', 'CLOSED', 'SETTLEMENT_FAILED', at, '{"amount": 100}', 'MEDIUM', 'AUTO', 'pb', 'RESOLVED',
       at + interval '2 minutes' FROM seeded;
INSERT INTO exception_timeline (exception_id, tenant_id, event_type, actor, at)
SELECT id, 'seed-bank', 'exflow.exception.' || k, k, at + n * interval '10 seconds'
FROM seeded, unnest(ARRAY['ingested','normalized','triaged','decided','tool','tool','decided','closed','closed'])
     WITH ORDINALITY AS t (k, n);
INSERT INTO playbook_run (exception_id, tenant_id, playbook_id, status, auto_approved)
SELECT id, 'seed-bank', 'pb', 'SUCCEEDED', true FROM seeded;
INSERT INTO exception_outcome (exception_id, tenant_id, exception_type, outcome, auto_resolved, closed_at, closed_event_id)
SELECT id, 'seed-bank', 'SETTLEMENT_FAILED', 'RESOLVED', true, at + interval '2 minutes', md5('c' || id)::uuid FROM seeded;
-- Months of traffic leave their history vacuumed (visibility map set, hint bits written,
-- statistics current) and flushed: without this the measurement would pay for autovacuum's first
-- pass over tens of millions of freshly inserted rows, which real history never costs at once.
VACUUM (ANALYZE);
CHECKPOINT;

SELECT relname AS "table", pg_size_pretty(pg_table_size(oid)) AS "table size",
       pg_size_pretty(pg_indexes_size(oid)) AS "index size"
FROM pg_class
WHERE relkind IN ('r', 'p') AND (relname IN ('processed_event', 'exception_timeline', 'exception_record', 'exception_outcome', 'playbook_run')
   OR relname LIKE 'processed_event\_p%' OR relname LIKE 'exception_timeline\_%')
ORDER BY relname;

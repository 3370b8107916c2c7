-- Resilience (issue 15): outbox rows that can never be published, crash-loop counts, operator
-- tenant suspension.

-- An outbox row Kafka refused for good (RecordTooLargeException, an invalid topic, ...) is moved
-- here by the relay instead of being retried forever; an operator re-publishes or deletes it.
CREATE TABLE outbox_parked (
    id          BIGINT PRIMARY KEY,          -- the outbox row's id
    topic       TEXT        NOT NULL,
    record_key  TEXT        NOT NULL,
    headers     JSONB       NOT NULL,
    payload     BYTEA       NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,        -- when the outbox row was written
    error       TEXT        NOT NULL,
    parked_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Deliveries of Kafka records that have not (yet) reached a recorded outcome, per consumer group
-- and position. Counted in its own short transaction before the records run, so the count
-- survives a process that dies while handling them and is seen by any replica. `deliveries`
-- counts batch deliveries; `solo_runs` counts runs of the record alone (after a batch of it did
-- not finish). Rows below a partition's next delivered offset are settled and deleted.
CREATE TABLE delivery_count (
    consumer         TEXT        NOT NULL,
    topic            TEXT        NOT NULL,
    kafka_partition  INT         NOT NULL,
    kafka_offset     BIGINT      NOT NULL,
    deliveries       INT         NOT NULL DEFAULT 1,
    solo_runs        INT         NOT NULL DEFAULT 0,
    last_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, topic, kafka_partition, kafka_offset)
);

-- An operator's suspension or reactivation (api: POST /api/v1/tenants/{id}/suspend|reactivate)
-- outlives restarts: the pack loader writes status = COALESCE(operator_status, the pack's status).
ALTER TABLE tenant
    ADD COLUMN operator_status TEXT CHECK (operator_status IN ('ACTIVE', 'SUSPENDED')),
    ADD COLUMN status_actor    TEXT,
    ADD COLUMN status_reason   TEXT,
    ADD COLUMN status_changed_at TIMESTAMPTZ;

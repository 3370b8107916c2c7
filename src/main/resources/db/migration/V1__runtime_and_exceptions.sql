-- exflow schema v1: the runtime's delivery tables and the exception system of record.

-- Tenants and packs are data loaded from files at start-up (upserted, so any replica may load).
CREATE TABLE tenant (
    id          TEXT PRIMARY KEY,
    name        TEXT        NOT NULL,
    status      TEXT        NOT NULL CHECK (status IN ('ACTIVE', 'SUSPENDED')),
    domain      TEXT        NOT NULL,
    policy      JSONB       NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE domain_pack (
    name        TEXT PRIMARY KEY,
    version     TEXT        NOT NULL,
    content     JSONB       NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE exception_record (
    id              UUID PRIMARY KEY,
    tenant_id       TEXT        NOT NULL REFERENCES tenant (id),
    state           TEXT        NOT NULL,
    exception_type  TEXT        NOT NULL,
    source_system   TEXT,
    entity_id       TEXT,
    amount          NUMERIC(19, 4),
    currency        TEXT,
    summary         TEXT,
    occurred_at     TIMESTAMPTZ,
    ingested_at     TIMESTAMPTZ NOT NULL,
    payload         JSONB       NOT NULL,  -- normalized and redacted: never raw PII
    redactions      JSONB       NOT NULL DEFAULT '[]',
    severity        TEXT,
    severity_source TEXT,
    sla_deadline    TIMESTAMPTZ,
    sla_imminent_at TIMESTAMPTZ,
    decision        TEXT,
    playbook_id     TEXT,
    close_outcome   TEXT,
    close_reason    TEXT,
    closed_at       TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX exception_record_tenant_state ON exception_record (tenant_id, state);
CREATE INDEX exception_record_open_deadline ON exception_record (sla_deadline) WHERE closed_at IS NULL;

-- Every event that touched an exception, in order (the api's timeline).
CREATE TABLE exception_timeline (
    id            BIGSERIAL PRIMARY KEY,
    exception_id  UUID        NOT NULL,
    tenant_id     TEXT        NOT NULL,
    event_id      UUID,
    event_type    TEXT        NOT NULL,
    actor         TEXT        NOT NULL,
    detail        JSONB       NOT NULL DEFAULT '{}',
    at            TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX exception_timeline_exception ON exception_timeline (exception_id, id);

-- Idempotency: one row per (consumer, event) that had its effect, claimed in the handler's transaction.
CREATE TABLE processed_event (
    consumer      TEXT        NOT NULL,
    event_id      UUID        NOT NULL,
    processed_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

-- Transactional outbox: events written with the state change, published after commit.
CREATE TABLE outbox (
    id          BIGSERIAL PRIMARY KEY,
    topic       TEXT        NOT NULL,
    record_key  TEXT        NOT NULL,
    headers     JSONB       NOT NULL,
    payload     BYTEA       NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX outbox_created ON outbox (created_at, id);

-- Durable retries (and operator replays): re-delivered to one consumer by its retry poller.
-- Rows of one key are run in id order, so a key's later events wait behind its retry.
CREATE TABLE retry_schedule (
    id               BIGSERIAL PRIMARY KEY,
    consumer         TEXT        NOT NULL,
    record_key       TEXT        NOT NULL,
    topic            TEXT        NOT NULL,
    headers          JSONB       NOT NULL,
    payload          BYTEA,
    event_id         UUID,
    event_type       TEXT,
    attempts         INT         NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    last_error       TEXT,
    origin           TEXT        NOT NULL DEFAULT 'RETRY' CHECK (origin IN ('RETRY', 'PARKED', 'REPLAY')),
    dead_letter_id   BIGINT,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX retry_schedule_due ON retry_schedule (consumer, next_attempt_at);
CREATE INDEX retry_schedule_key ON retry_schedule (consumer, record_key, id);

CREATE TABLE dead_letter (
    id            BIGSERIAL PRIMARY KEY,
    consumer      TEXT        NOT NULL,
    topic         TEXT        NOT NULL,
    kafka_partition INT,
    kafka_offset  BIGINT,
    record_key    TEXT,
    event_id      UUID,
    event_type    TEXT,
    tenant_id     TEXT,
    exception_id  UUID,
    reason        TEXT        NOT NULL,
    error         TEXT        NOT NULL,
    attempts      INT         NOT NULL,
    status        TEXT        NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'REPLAYED', 'DISCARDED')),
    headers       JSONB       NOT NULL,
    payload       BYTEA,
    status_actor  TEXT,
    status_reason TEXT,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- A redelivered poison record must not make a second pending entry.
CREATE UNIQUE INDEX dead_letter_pending_once ON dead_letter (consumer, event_id) WHERE status = 'PENDING';
CREATE INDEX dead_letter_tenant_status ON dead_letter (tenant_id, status, id);

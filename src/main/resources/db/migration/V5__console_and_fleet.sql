-- Operator console (io.exflow.console): every state-changing action, who did it, for which
-- tenant, on what, and how it ended. Written in the action's own transaction where there is one.
CREATE TABLE console_audit (
    id         BIGSERIAL PRIMARY KEY,
    at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor      TEXT        NOT NULL,
    tenant_id  TEXT,
    action     TEXT        NOT NULL,
    target     TEXT        NOT NULL,
    outcome    TEXT        NOT NULL,
    detail     TEXT
);
CREATE INDEX console_audit_tenant ON console_audit (tenant_id, id);

-- Live processes (io.exflow.runtime.fleet): one row per running exflow process, refreshed every
-- few seconds; a row whose expires_at has passed belongs to a process that died. In PostgreSQL
-- rather than Redis because every role reaches the database, while most roles have no Redis
-- (no REDIS_URL, no NetworkPolicy egress).
CREATE TABLE fleet_process (
    process_id      TEXT PRIMARY KEY,
    roles           TEXT        NOT NULL,
    host            TEXT        NOT NULL,
    pid             BIGINT      NOT NULL,
    version         TEXT        NOT NULL,
    concurrency     INT         NOT NULL,
    started_at      TIMESTAMPTZ NOT NULL,
    heartbeat_at    TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL,
    events_total    BIGINT      NOT NULL DEFAULT 0,
    events_per_sec  DOUBLE PRECISION NOT NULL DEFAULT 0
);
CREATE INDEX fleet_process_expires ON fleet_process (expires_at);

-- exflow schema v4: the api role's own state.

-- Idempotency-Key of a POST /exceptions, per tenant. Claimed with INSERT … ON CONFLICT DO NOTHING
-- in the same transaction as the ingestion's outbox row, so a key maps to exactly one accepted
-- exception; a concurrent retry waits on the row and then reads the committed answer.
CREATE TABLE api_idempotency (
    tenant_id     TEXT        NOT NULL REFERENCES tenant (id),
    idem_key      TEXT        NOT NULL,
    request_hash  TEXT        NOT NULL,  -- SHA-256 of the body: the same key with another body is refused
    exception_id  UUID,                  -- set in the claiming transaction, so never seen NULL once committed
    event_id      UUID,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, idem_key)
);
CREATE INDEX api_idempotency_created ON api_idempotency (created_at);

-- A person's answer to an exception awaiting approval: who, when, and what. One per wait (a
-- playbook's approval step can make an exception wait a second time); the guard against a double
-- answer is the exception row's lock and its state, which the answer moves on.
CREATE TABLE exception_approval (
    id            BIGSERIAL PRIMARY KEY,
    exception_id  UUID        NOT NULL,
    tenant_id     TEXT        NOT NULL,
    approved      BOOLEAN     NOT NULL,
    actor         TEXT        NOT NULL,
    comment       TEXT,
    event_id      UUID        NOT NULL,
    decided_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX exception_approval_exception ON exception_approval (exception_id, id);

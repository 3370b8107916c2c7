-- exflow schema v2: playbook runs, tool jobs and tool executions.

-- One run per exception: which playbook, which step, which attempt, and the job in flight.
CREATE TABLE playbook_run (
    exception_id    UUID PRIMARY KEY REFERENCES exception_record (id),
    tenant_id       TEXT        NOT NULL,
    playbook_id     TEXT        NOT NULL,
    status          TEXT        NOT NULL CHECK (status IN ('RUNNING', 'WAITING_APPROVAL', 'SUCCEEDED', 'FAILED', 'REJECTED')),
    step_index      INT         NOT NULL DEFAULT 0,
    step_attempt    INT         NOT NULL DEFAULT 0,
    current_job_id  UUID,
    auto_approved   BOOLEAN     NOT NULL,
    tools_used      JSONB       NOT NULL DEFAULT '[]',
    started_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A tool execution claims its job attempt before the tool runs, in its own transaction, so an
-- attempt is executed at most once even if its worker dies mid-call and the job is returned.
CREATE TABLE tool_execution (
    job_id       UUID PRIMARY KEY,
    exception_id UUID        NOT NULL,
    tenant_id    TEXT        NOT NULL,
    tool         TEXT        NOT NULL,
    attempt      INT         NOT NULL,
    worker       TEXT        NOT NULL,
    status       TEXT        NOT NULL CHECK (status IN ('STARTED', 'SUCCEEDED', 'FAILED', 'INTERRUPTED')),
    output       JSONB,
    error        TEXT,
    started_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at  TIMESTAMPTZ
);
CREATE INDEX tool_execution_exception ON tool_execution (exception_id);

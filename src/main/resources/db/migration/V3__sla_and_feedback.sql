-- exflow schema v3: SLA alert markers (sla-monitor) and outcome records (feedback).

-- sla-monitor: one marker per exception and alert kind, inserted in the same transaction as the
-- alert's outbox row. The primary key is what makes an alert exactly-once across replicas and
-- restarts: a second insert for the same pair does nothing, and nothing is emitted for it.
CREATE TABLE sla_alert (
    exception_id  UUID        NOT NULL REFERENCES exception_record (id),
    kind          TEXT        NOT NULL CHECK (kind IN ('IMMINENT', 'BREACHED')),
    tenant_id     TEXT        NOT NULL,
    event_id      UUID,                   -- the alert's event id, set in the same transaction
    sla_deadline  TIMESTAMPTZ NOT NULL,
    escalated     BOOLEAN     NOT NULL DEFAULT false,
    detected_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (exception_id, kind)
);
CREATE INDEX sla_alert_tenant ON sla_alert (tenant_id, kind);
-- The scan looks for open exceptions by imminence as well as by deadline (V1 indexes the deadline).
CREATE INDEX exception_record_open_imminent ON exception_record (sla_imminent_at) WHERE closed_at IS NULL;

-- feedback: one outcome per exception, whatever number of closed events deliver it.
CREATE TABLE exception_outcome (
    exception_id        UUID PRIMARY KEY,
    tenant_id           TEXT        NOT NULL,
    exception_type      TEXT        NOT NULL,
    severity            TEXT,
    playbook_id         TEXT,
    outcome             TEXT        NOT NULL,   -- RESOLVED, ESCALATED, BLOCKED
    reason              TEXT,
    auto_resolved       BOOLEAN     NOT NULL,
    tools_used          JSONB       NOT NULL DEFAULT '[]',
    ingested_at         TIMESTAMPTZ,
    closed_at           TIMESTAMPTZ NOT NULL,
    time_to_resolve_ms  BIGINT,                 -- closed_at - ingested_at
    sla_deadline        TIMESTAMPTZ,
    sla_met             BOOLEAN,                -- closed by the deadline; NULL when there was none
    closed_event_id     UUID        NOT NULL,
    recorded_at         TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX exception_outcome_tenant ON exception_outcome (tenant_id, exception_type, playbook_id);

-- feedback: SLA alerts as received from exflow.sla.alerts (open exceptions included).
CREATE TABLE feedback_sla_alert (
    exception_id  UUID        NOT NULL,
    kind          TEXT        NOT NULL CHECK (kind IN ('IMMINENT', 'BREACHED')),
    tenant_id     TEXT        NOT NULL,
    severity      TEXT,
    escalated     BOOLEAN     NOT NULL,
    detected_at   TIMESTAMPTZ NOT NULL,
    event_id      UUID        NOT NULL,
    recorded_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (exception_id, kind)
);
CREATE INDEX feedback_sla_alert_tenant ON feedback_sla_alert (tenant_id, kind);

-- Aggregates per tenant, exception type and playbook ('' when none ran), always current.
CREATE VIEW outcome_stats AS
SELECT tenant_id,
       exception_type,
       COALESCE(playbook_id, '')                                    AS playbook_id,
       count(*)                                                     AS closed,
       count(*) FILTER (WHERE outcome = 'RESOLVED')                 AS resolved,
       count(*) FILTER (WHERE outcome = 'ESCALATED')                AS escalated,
       count(*) FILTER (WHERE outcome = 'BLOCKED')                  AS blocked,
       count(*) FILTER (WHERE auto_resolved)                        AS auto_resolved,
       count(*) FILTER (WHERE sla_met)                              AS sla_met,
       count(*) FILTER (WHERE sla_met = false)                      AS sla_breached,
       avg(time_to_resolve_ms)::BIGINT                              AS mean_time_to_resolve_ms,
       (percentile_cont(0.5) WITHIN GROUP (ORDER BY time_to_resolve_ms))::BIGINT  AS p50_time_to_resolve_ms,
       (percentile_cont(0.95) WITHIN GROUP (ORDER BY time_to_resolve_ms))::BIGINT AS p95_time_to_resolve_ms
FROM exception_outcome
GROUP BY tenant_id, exception_type, COALESCE(playbook_id, '');

-- The trace an exception was ingested in (W3C traceparent and tracestate of its ingested event),
-- so SLA alerts, which start on their own, link back to it. NULL when tracing was off.
ALTER TABLE exception_record ADD COLUMN trace_parent TEXT, ADD COLUMN trace_state TEXT;

-- Crash-loop quarantine for durable retries (docs/reliability.md): a retry's runs are counted in
-- a committed statement before each run, and a run that reaches an outcome (rescheduled or done)
-- resets it, so `runs_started` counts consecutive runs whose process ended in the middle.
-- A constant default makes this a catalogue-only change: no table rewrite, no long lock.
ALTER TABLE retry_schedule ADD COLUMN runs_started INT NOT NULL DEFAULT 0;

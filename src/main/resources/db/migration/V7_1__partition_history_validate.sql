-- exflow schema v7, step 2 of 3: prove the existing rows lie before the cut-over. VALIDATE reads
-- the whole table but takes only a SHARE UPDATE EXCLUSIVE lock: inserts and reads carry on.
ALTER TABLE processed_event VALIDATE CONSTRAINT processed_event_before_cutover;
ALTER TABLE exception_timeline VALIDATE CONSTRAINT exception_timeline_before_cutover;

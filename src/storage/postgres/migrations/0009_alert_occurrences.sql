-- A log monitor's alert counts its repeats by the newest occurrence it counted (the time the
-- agent produced the line), not by when it was last evaluated: a line produced before an
-- evaluation but stored after it is still counted once. 0: none counted yet (the evaluation
-- time is used, as before).
ALTER TABLE alerts ADD COLUMN newest_occurrence_ms BIGINT NOT NULL DEFAULT 0;

-- What each origin's queue dropped (items it never sent: over its size cap, 2023, or expired,
-- 2120), as the gaps in its sequence show at ingest: the running total and when the last gap
-- arrived, for the built-in queue-drops monitor.
ALTER TABLE high_water ADD COLUMN dropped_items INTEGER NOT NULL DEFAULT 0;
ALTER TABLE high_water ADD COLUMN last_drop_ms INTEGER;

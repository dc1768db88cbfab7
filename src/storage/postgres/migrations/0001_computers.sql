-- Computers known to the management group: their role, approval and last heartbeat.
-- The same columns as the SQLite schema; times are milliseconds (heartbeats, first sight) and
-- seconds (certificate expiry) since the Unix epoch.
CREATE TABLE computers (
  fqdn                    TEXT PRIMARY KEY NOT NULL,
  role                    TEXT NOT NULL CHECK (role IN ('agent', 'gateway', 'management_server')),
  approval                TEXT NOT NULL CHECK (approval IN ('approved', 'pending', 'rejected')),
  server_initiates        BOOLEAN NOT NULL DEFAULT FALSE,
  address                 TEXT NOT NULL DEFAULT '',
  parent                  TEXT NOT NULL DEFAULT '',
  last_heartbeat_ms       BIGINT,
  certificate_sha256      TEXT NOT NULL DEFAULT '',
  certificate_not_after_s BIGINT,
  first_seen_ms           BIGINT NOT NULL
);
CREATE INDEX computers_by_approval ON computers (approval);

-- Computers known to the management group: their role, approval and last heartbeat.
CREATE TABLE computers (
  fqdn                    TEXT PRIMARY KEY NOT NULL,
  role                    TEXT NOT NULL CHECK (role IN ('agent', 'gateway', 'management_server')),
  approval                TEXT NOT NULL CHECK (approval IN ('approved', 'pending', 'rejected')),
  server_initiates        INTEGER NOT NULL DEFAULT 0,
  address                 TEXT NOT NULL DEFAULT '',
  parent                  TEXT NOT NULL DEFAULT '',
  last_heartbeat_ms       INTEGER,
  certificate_sha256      TEXT NOT NULL DEFAULT '',
  certificate_not_after_s INTEGER,
  first_seen_ms           INTEGER NOT NULL
);
CREATE INDEX computers_by_approval ON computers (approval);

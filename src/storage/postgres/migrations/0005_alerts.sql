-- Alerts (alerts/): one row per alert, its history, maintenance windows, and leases (one
-- management server of the group evaluates the monitors at a time). Times are milliseconds since
-- the epoch. At most one active alert per computer and monitor.
CREATE TABLE alerts (
  id           BIGSERIAL PRIMARY KEY,
  computer     TEXT NOT NULL,
  monitor      TEXT NOT NULL,
  severity     TEXT NOT NULL,
  state        TEXT NOT NULL,
  summary      TEXT NOT NULL,
  opened_ms    BIGINT NOT NULL,
  last_seen_ms BIGINT NOT NULL,
  ended_ms     BIGINT,
  active       BOOLEAN NOT NULL,
  repeat_count BIGINT NOT NULL DEFAULT 0,
  owner        TEXT NOT NULL DEFAULT '',
  comment      TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX alerts_one_active ON alerts (computer, monitor) WHERE active;
CREATE INDEX alerts_opened ON alerts (opened_ms);
CREATE TABLE alert_history (
  id       BIGSERIAL PRIMARY KEY,
  alert_id BIGINT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  at_ms    BIGINT NOT NULL,
  actor    TEXT NOT NULL,
  change   TEXT NOT NULL,
  detail   TEXT NOT NULL
);
CREATE INDEX alert_history_alert ON alert_history (alert_id);
CREATE TABLE maintenance (
  computer   TEXT PRIMARY KEY NOT NULL,
  started_ms BIGINT NOT NULL,
  until_ms   BIGINT NOT NULL,
  reason     TEXT NOT NULL,
  by_whom    TEXT NOT NULL
);
CREATE TABLE leases (
  name       TEXT PRIMARY KEY NOT NULL,
  holder     TEXT NOT NULL,
  expires_ms BIGINT NOT NULL
);
-- The notification outbox: written in the transaction that changes the alert, delivered by the
-- lease holder, marked when done. One row per (alert, subscription, event, seq).
CREATE TABLE notifications (
  id           BIGSERIAL PRIMARY KEY,
  alert_id     BIGINT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  subscription TEXT NOT NULL,
  event        TEXT NOT NULL,
  seq          BIGINT NOT NULL,
  due_ms       BIGINT NOT NULL,
  state        TEXT NOT NULL,
  attempts     INTEGER NOT NULL DEFAULT 0,
  last_error   TEXT NOT NULL DEFAULT '',
  done_ms      BIGINT,
  UNIQUE (alert_id, subscription, event, seq)
);
CREATE INDEX notifications_due ON notifications (state, due_ms);

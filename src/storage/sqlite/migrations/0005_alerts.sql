-- Alerts (alerts/): one row per alert, its history, maintenance windows, and leases (one
-- management server of the group evaluates the monitors at a time). Times are milliseconds since
-- the epoch. At most one active alert per computer and monitor.
CREATE TABLE alerts (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  computer     TEXT NOT NULL,
  monitor      TEXT NOT NULL,
  severity     TEXT NOT NULL,
  state        TEXT NOT NULL,
  summary      TEXT NOT NULL,
  opened_ms    INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL,
  ended_ms     INTEGER,
  active       INTEGER NOT NULL,
  repeat_count INTEGER NOT NULL DEFAULT 0,
  owner        TEXT NOT NULL DEFAULT '',
  comment      TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX alerts_one_active ON alerts (computer, monitor) WHERE active = 1;
CREATE INDEX alerts_opened ON alerts (opened_ms);
CREATE TABLE alert_history (
  id       INTEGER PRIMARY KEY,
  alert_id INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  at_ms    INTEGER NOT NULL,
  actor    TEXT NOT NULL,
  change   TEXT NOT NULL,
  detail   TEXT NOT NULL
);
CREATE INDEX alert_history_alert ON alert_history (alert_id);
CREATE TABLE maintenance (
  computer   TEXT PRIMARY KEY NOT NULL,
  started_ms INTEGER NOT NULL,
  until_ms   INTEGER NOT NULL,
  reason     TEXT NOT NULL,
  by_whom    TEXT NOT NULL
);
CREATE TABLE leases (
  name       TEXT PRIMARY KEY NOT NULL,
  holder     TEXT NOT NULL,
  expires_ms INTEGER NOT NULL
);
-- The notification outbox: written in the transaction that changes the alert, delivered by the
-- lease holder, marked when done. One row per (alert, subscription, event, seq).
CREATE TABLE notifications (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  alert_id     INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  subscription TEXT NOT NULL,
  event        TEXT NOT NULL,
  seq          INTEGER NOT NULL,
  due_ms       INTEGER NOT NULL,
  state        TEXT NOT NULL,
  attempts     INTEGER NOT NULL DEFAULT 0,
  last_error   TEXT NOT NULL DEFAULT '',
  done_ms      INTEGER,
  UNIQUE (alert_id, subscription, event, seq)
);
CREATE INDEX notifications_due ON notifications (state, due_ms);

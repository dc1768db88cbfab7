-- The web console and the REST API (storage/users.hpp): local users, browser sessions, API tokens
-- and the audit log. Times are milliseconds since the epoch. Secrets are never stored: a session
-- id and a token are kept as their SHA-256 (hex); a password as its Argon2id hash.

-- One row per user; role is "administrator", "operator" or "read-only".
CREATE TABLE users (
  name          TEXT PRIMARY KEY NOT NULL,
  role          TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_ms    INTEGER NOT NULL,
  last_login_ms INTEGER
);

-- Browser sessions, kept here so any management server of the group serves any of them. A session
-- is valid while expires_ms is in the future (pushed forward as it is used). Sessions and tokens
-- belong to an existing user (the foreign keys refuse others); removing a user deletes theirs
-- explicitly in the same transaction.
CREATE TABLE web_sessions (
  id_sha256    TEXT PRIMARY KEY NOT NULL,
  user_name    TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
  csrf         TEXT NOT NULL,
  address      TEXT NOT NULL,
  created_ms   INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL,
  expires_ms   INTEGER NOT NULL
);
CREATE INDEX web_sessions_by_expiry ON web_sessions (expires_ms);
CREATE INDEX web_sessions_by_user ON web_sessions (user_name);

-- API tokens for scripts (Authorization: Bearer), found by their SHA-256.
CREATE TABLE api_tokens (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  user_name    TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
  label        TEXT NOT NULL,
  token_sha256 TEXT NOT NULL UNIQUE,
  created_ms   INTEGER NOT NULL,
  last_used_ms INTEGER
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_name);

-- Every change made through the console or the API, and every refused login: who (a user, or
-- "token:<label>@<user>"), from where, what, on what, with which parameters (cut to 1000 bytes)
-- and whether it was done (ok 1 or 0). Not tied to users: the entries outlive a removed user.
-- Read newest first, by user or target; groomed by age.
CREATE TABLE audit_log (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms     INTEGER NOT NULL,
  user_name TEXT NOT NULL,
  address   TEXT NOT NULL,
  action    TEXT NOT NULL,
  target    TEXT NOT NULL,
  detail    TEXT NOT NULL,
  ok        INTEGER NOT NULL
);
CREATE INDEX audit_log_by_time ON audit_log (at_ms);
CREATE INDEX audit_log_by_user ON audit_log (user_name, at_ms);
CREATE INDEX audit_log_by_target ON audit_log (target, at_ms);

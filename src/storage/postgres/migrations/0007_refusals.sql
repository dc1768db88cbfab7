-- Refused connections (core/refusal.hpp), aggregated per reporting node and key (who claimed or
-- was named, from which address, which event and typed cause). Counts add up by epoch: a report
-- of the same epoch keeps the larger count (a report sent twice is stored once); a later epoch
-- (the reporter restarted, or evicted and met the key again) moves the count to earlier_count.
CREATE TABLE refusals (
  reporter           TEXT NOT NULL,
  identity           TEXT NOT NULL,
  source             TEXT NOT NULL,
  event_id           INTEGER NOT NULL,
  cause              TEXT NOT NULL,
  reject_code        INTEGER NOT NULL DEFAULT 0,
  role               TEXT NOT NULL DEFAULT '',
  management_group   TEXT NOT NULL DEFAULT '',
  reason             TEXT NOT NULL DEFAULT '',
  cert_subject       TEXT NOT NULL DEFAULT '',
  cert_issuer        TEXT NOT NULL DEFAULT '',
  cert_serial        TEXT NOT NULL DEFAULT '',
  cert_sha256        TEXT NOT NULL DEFAULT '',
  cert_not_before_ms BIGINT NOT NULL DEFAULT 0,
  cert_not_after_ms  BIGINT NOT NULL DEFAULT 0,
  first_ms           BIGINT NOT NULL,
  latest_ms          BIGINT NOT NULL,
  epoch_ms           BIGINT NOT NULL,
  epoch_count        BIGINT NOT NULL,
  earlier_count      BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (reporter, identity, source, event_id, cause)
);
CREATE INDEX refusals_by_latest ON refusals (latest_ms);
CREATE INDEX refusals_by_identity ON refusals (identity, latest_ms);

-- Per reporting node: the records its own table evicted (as it last reported) and the rows the
-- database removed beyond [limits] refusal_records.
CREATE TABLE refusal_drops (
  reporter   TEXT PRIMARY KEY,
  dropped    BIGINT NOT NULL DEFAULT 0,
  evicted    BIGINT NOT NULL DEFAULT 0,
  updated_ms BIGINT NOT NULL
);

-- Data from agents, exactly once: each origin's high-water mark (everything up to it is here),
-- the items themselves keyed by (origin, seq), and the latest result of every check.
CREATE TABLE high_water (
  origin      TEXT PRIMARY KEY NOT NULL,
  through_seq BIGINT NOT NULL,
  updated_ms  BIGINT NOT NULL
);
CREATE TABLE items (
  origin      TEXT NOT NULL,
  seq         BIGINT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('event', 'sample', 'check')),
  name        TEXT NOT NULL,
  produced_ms BIGINT NOT NULL,
  payload     TEXT NOT NULL,
  PRIMARY KEY (origin, seq)
);
CREATE INDEX items_by_name ON items (origin, kind, name, produced_ms);
CREATE INDEX items_by_age ON items (kind, produced_ms);
CREATE TABLE check_state (
  origin      TEXT NOT NULL,
  name        TEXT NOT NULL,
  status      TEXT NOT NULL,
  output      TEXT NOT NULL,
  produced_ms BIGINT NOT NULL,
  PRIMARY KEY (origin, name)
);

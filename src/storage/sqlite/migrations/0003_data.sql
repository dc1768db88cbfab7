-- Data from agents, exactly once: each origin's high-water mark (everything up to it is here),
-- the items themselves keyed by (origin, seq), and the latest result of every check.
CREATE TABLE high_water (
  origin      TEXT PRIMARY KEY NOT NULL,
  through_seq INTEGER NOT NULL,
  updated_ms  INTEGER NOT NULL
);
CREATE TABLE items (
  origin      TEXT NOT NULL,
  seq         INTEGER NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('event', 'sample', 'check')),
  name        TEXT NOT NULL,
  produced_ms INTEGER NOT NULL,
  payload     TEXT NOT NULL,
  PRIMARY KEY (origin, seq)
) WITHOUT ROWID;
CREATE INDEX items_by_name ON items (origin, kind, name, produced_ms);
CREATE INDEX items_by_age ON items (kind, produced_ms);
CREATE TABLE check_state (
  origin      TEXT NOT NULL,
  name        TEXT NOT NULL,
  status      TEXT NOT NULL,
  output      TEXT NOT NULL,
  produced_ms INTEGER NOT NULL,
  PRIMARY KEY (origin, name)
);

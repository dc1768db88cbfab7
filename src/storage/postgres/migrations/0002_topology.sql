-- Topology set by operators (outpost gateway set-failover, outpost agent set-parent): each
-- node's parent list, primary first, one "fqdn[:port]" per line.
CREATE TABLE topology (
  fqdn       TEXT PRIMARY KEY NOT NULL,
  parents    TEXT NOT NULL,
  updated_ms BIGINT NOT NULL
);

#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests (Debian's postgresql package: initdb and pg_ctl under
# /usr/lib/postgresql/N/bin). Source it and call:
#   pg_start           initdb in a fresh temporary folder, listen on 127.0.0.1 only (a free port),
#                      the unix socket in that folder; sets PG_DIR, PG_PORT, PG_SUPERUSER_URL
#   pg_create_database NAME   prints the postgresql:// URL of a new, empty database NAME
#   pg_stop            pg_ctl stop, then the postmaster's PID if it is still there; removes PG_DIR
# Authentication: trust for the superuser `outpost` over 127.0.0.1 and the socket, and
# scram-sha-256 for the role `outpost_password` (which tests create to check a wrong password).
# PostgreSQL refuses to run as root: as root, the server runs as Debian's `postgres` user, which
# owns the temporary folder. Every wait is bounded.

PG_USER="${PG_USER:-outpost}"
PG_DIR=""
PG_PORT=""
PG_SUPERUSER_URL=""

pg_bin() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  if [ -z "$dir" ] || [ ! -x "$dir/initdb" ]; then
    echo "postgres.sh: no PostgreSQL server binaries under /usr/lib/postgresql/*/bin;" \
      "install the postgresql package (scripts/setup.sh does)" >&2
    return 1
  fi
  echo "$dir"
}

# pg_as CMD...: runs CMD as the user that owns the server (postgres when we are root).
pg_as() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_write_config() {
  cat >"$PG_DIR/data/pg_hba.conf" <<HBA
# Loopback and this folder's socket only; a password for outpost_password, trust otherwise.
local all all                             trust
host  all outpost_password 127.0.0.1/32   scram-sha-256
host  all all              127.0.0.1/32   trust
HBA
  cat >>"$PG_DIR/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
CONF
}

# pg_try_port PORT: starts the server on PORT; fails (quickly) when the port is taken.
pg_try_port() {
  local bin="$1" port="$2"
  pg_as "$bin/pg_ctl" start -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-p $port" >/dev/null 2>&1
}

pg_start() {
  local bin
  bin="$(pg_bin)" || return 1
  local base="${TMPDIR:-/tmp}"
  if [ "$(id -u)" -eq 0 ]; then base=/tmp; fi  # the postgres user must reach the folder
  PG_DIR="$(mktemp -d "$base/outpost-pg-XXXXXX")" || return 1
  chmod 0700 "$PG_DIR"
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$PG_DIR"; fi
  if ! pg_as "$bin/initdb" -D "$PG_DIR/data" -U "$PG_USER" --auth=trust --no-sync \
    -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1; then
    echo "postgres.sh: initdb failed:" >&2
    sed 's/^/    /' "$PG_DIR/initdb.log" >&2
    return 1
  fi
  pg_as touch "$PG_DIR/server.log"
  pg_write_config
  for _ in 1 2 3 4 5 6 7 8; do
    PG_PORT=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    if pg_try_port "$bin" "$PG_PORT"; then break; fi
    PG_PORT=""
  done
  if [ -z "$PG_PORT" ]; then
    echo "postgres.sh: PostgreSQL did not start (8 ports tried); its log:" >&2
    tail -20 "$PG_DIR/server.log" | sed 's/^/    /' >&2
    return 1
  fi
  PG_SUPERUSER_URL="postgresql://$PG_USER@127.0.0.1:$PG_PORT/postgres"
  pg_wait_ready "$bin"
}

# pg_wait_ready BIN: polls pg_isready every 0.2 s, at most 30 s.
pg_wait_ready() {
  local i
  for ((i = 0; i < 150; i++)); do
    if "$1/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -d postgres -U "$PG_USER"; then return 0; fi
    sleep 0.2
  done
  echo "postgres.sh: PostgreSQL on 127.0.0.1:$PG_PORT did not accept connections within 30 s" >&2
  return 1
}

# pg_create_database NAME: creates NAME (owned by the superuser) and prints its URL.
pg_create_database() {
  local bin name="$1"
  bin="$(pg_bin)" || return 1
  "$bin/psql" -X -q -v ON_ERROR_STOP=1 -d "$PG_SUPERUSER_URL" \
    -c "CREATE DATABASE \"$name\"" >/dev/null || return 1
  echo "postgresql://$PG_USER@127.0.0.1:$PG_PORT/$name"
}

pg_stop() {
  [ -n "$PG_DIR" ] || return 0
  local bin pid=""
  bin="$(pg_bin)" || bin=""
  if [ -f "$PG_DIR/data/postmaster.pid" ]; then pid="$(head -1 "$PG_DIR/data/postmaster.pid")"; fi
  if [ -n "$bin" ] && [ -n "$pid" ]; then
    pg_as "$bin/pg_ctl" stop -D "$PG_DIR/data" -m fast -w -t 30 >/dev/null 2>&1 || true
  fi
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$PG_DIR"
  PG_DIR=""
}

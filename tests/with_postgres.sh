#!/usr/bin/env bash
# with_postgres.sh CMD ARGS...: starts a throwaway PostgreSQL (tests/postgres.sh), exports
# OUTPOST_TEST_PG_URL=postgresql://... naming a fresh database on it (the role is a superuser,
# so a test may create more databases), runs CMD, stops the server and exits with CMD's exit
# code. If PostgreSQL cannot start, CMD does not run and the exit code is 1: a test registered
# to run against PostgreSQL fails rather than skips.
set -uo pipefail
source "$(dirname "$0")/postgres.sh"

if [ $# -eq 0 ]; then
  echo "usage: tests/with_postgres.sh CMD ARGS..." >&2
  exit 2
fi

child=""
stop_all() {
  if [ -n "$child" ]; then
    kill -TERM "$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
  fi
  pg_stop
}
trap stop_all EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

if ! pg_start; then
  echo "with_postgres.sh: PostgreSQL could not start, so '$1' did not run" >&2
  exit 1
fi
if ! OUTPOST_TEST_PG_URL="$(pg_create_database outpost_test)"; then
  echo "with_postgres.sh: could not create the test database on 127.0.0.1:$PG_PORT" >&2
  exit 1
fi
export OUTPOST_TEST_PG_URL
echo "with_postgres.sh: PostgreSQL on 127.0.0.1:$PG_PORT ($PG_DIR); OUTPOST_TEST_PG_URL=$OUTPOST_TEST_PG_URL"

"$@" &
child=$!
rc=0
wait "$child" || rc=$?
child=""
exit "$rc"

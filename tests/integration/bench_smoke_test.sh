#!/usr/bin/env bash
# The benchmark scenarios (bench/run.sh), each run tiny against the real daemons: correctness
# only. Every agent connects, everything produced is acknowledged and is in the database exactly
# once (count, per-origin sequence continuity, high-water marks), across a gateway restart and
# a kill -9 of the primary server, and no agent is dropped by a pre-authentication flood while a
# new agent is admitted. Never a speed assertion.
source "$(dirname "$0")/lib.sh"
BUILD="$(cd "$(dirname "$OUTPOST")/../.." && pwd)"
RUN="$(dirname "$0")/../../bench/run.sh"
export OUTPOST_BENCH_CACHE="$TMP/cache"
bench() {  # bench NAME SCENARIO ARGS...: passes when run.sh's count check passes
  local name="$1"; shift
  check "$name" bash "$RUN" "$@" --build "$BUILD" --out "$TMP/results"
}
bench "connections: 20 agents connect and stay" connections --agents 20 --duration 4
bench "ingest: 20 agents, every item acknowledged and in the database once" \
  ingest --agents 20 --rate 50 --duration 4
bench "reconnect: all 20 agents come back after a gateway restart" reconnect --agents 20
bench "failover: kill -9 of the primary loses and duplicates nothing" \
  failover --agents 20 --rate 20 --duration 9
bench "flood: 20 agents stay connected and a new one is admitted under a junk flood" \
  flood --agents 20 --junk-held 200 --junk-cycles 2000 --probes 3
check "each scenario wrote its JSON" test "$(ls "$TMP/results" | wc -l)" -eq 5
finish

#!/usr/bin/env bash
# bench/run.sh SCENARIO [options]: one benchmark scenario against real daemons on loopback.
#
#   connections  N agents connect and stay: handshakes/s, connections held, daemons' RSS and CPU
#   ingest       agents -> gateway -> server -> database: items/s, production-to-Ack latency
#   failover     two servers on one database; kill -9 the primary under load: the data gap and
#                the count check (nothing lost, nothing duplicated)
#   reconnect    N agents connected; restart the gateway (TERM, start): time until all are back
#   flood        N agents connected; a pre-authentication flood of the gateway's port (junk TCP
#                connections held from many loopback addresses, plus connect/close cycles,
#                bench/flood.py); meanwhile a new agent (the real `outpost agent`, a fresh
#                certificate) is admitted and legitimate TLS handshakes are timed; the gateway's
#                RSS and log bytes before, during and after, and its listener counters
#   api          the REST API and the console (issue 13): a database filled by outpost_api_bench
#                (--computers agents behind 5 gateways, all healthy, and --days of one sample a
#                minute of cpu.percent for agent00000.lab.test), one `outpost server` with [web];
#                bench/api_latency.py (HTTPS verifying the bench CA, keep-alive, an API token)
#                times --requests GETs each, after --warmup, of the overview, the inventory (first
#                page, a name search), one computer and its 30-day chart in 500 points, and the
#                console's first load (GET /, then every file it names, on new connections):
#                p50, p99, max
#
# Options: --agents N  --rate ITEMS_PER_S_PER_AGENT  --duration S  --batch-ms MS
#          --heartbeat-s S  --db sqlite|postgres  --build DIR (default build/release)
#          --out DIR (default bench/results)  --label TEXT (added to the JSON file name)
# flood:   --junk-held N (10000)  --junk-per-source K (50: N/K source addresses)
#          --junk-cycles M (100000)  --junk-reopen-ms MS (1000: a held connection the gateway
#          closes is opened again after ~MS; 0: never)  --junk-cycle-sources S (2000)
#          --probes N (10 timed TLS handshakes before and during the flood)
#          OUTPOST_BENCH_MALLOC=1 (and gdb): the gateway's malloc_stats before and after the
#          flood, and its RSS after a malloc_trim(0) (gdb attaches to the gateway)
# api:     --computers N (10000)  --days D (30)  --requests N (200)  --warmup N (10)
#          OUTPOST_BENCH_PRELOAD=LIB: LD_PRELOAD for the server only (experiments)
# PostgreSQL needs OUTPOST_TEST_PG_URL (a superuser URL): run through tests/with_postgres.sh,
#   tests/with_postgres.sh bench/run.sh ingest --db postgres
# Prints a short table and writes OUT/SCENARIO-<label>-<time>.json. Exits non-zero when a count
# check fails, or (flood) when an agent was dropped or the new agent was not admitted within
# 120 s (never because of a speed). Every process it starts is stopped by its PID.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
scenario="${1:?usage: bench/run.sh connections|ingest|failover|reconnect|flood|api [options]}"
shift
agents="" rate="" duration="" batch_ms=1000 heartbeat_s=60 db=sqlite label=""
junk_held=10000 junk_per_source=50 junk_cycles=100000 junk_cycle_sources=2000 junk_reopen_ms=1000
probes=10
computers=10000 days=30 requests=200 warmup=10
build="$ROOT/build/release" out="$ROOT/bench/results"
while [ $# -gt 0 ]; do
  case "$1" in
    --agents) agents="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --batch-ms) batch_ms="$2"; shift 2 ;;
    --heartbeat-s) heartbeat_s="$2"; shift 2 ;;
    --db) db="$2"; shift 2 ;;
    --build) build="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --label) label="$2"; shift 2 ;;
    --junk-held) junk_held="$2"; shift 2 ;;
    --junk-per-source) junk_per_source="$2"; shift 2 ;;
    --junk-cycles) junk_cycles="$2"; shift 2 ;;
    --junk-cycle-sources) junk_cycle_sources="$2"; shift 2 ;;
    --junk-reopen-ms) junk_reopen_ms="$2"; shift 2 ;;
    --probes) probes="$2"; shift 2 ;;
    --computers) computers="$2"; shift 2 ;;
    --days) days="$2"; shift 2 ;;
    --requests) requests="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    *) echo "bench/run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
case "$scenario" in
  connections) agents="${agents:-1000}" rate="${rate:-0}" duration="${duration:-30}" ;;
  ingest) agents="${agents:-100}" rate="${rate:-1000}" duration="${duration:-30}" ;;
  failover) agents="${agents:-100}" rate="${rate:-100}" duration="${duration:-30}" ;;
  reconnect) agents="${agents:-1000}" rate="${rate:-0}" duration="${duration:-600}" ;;
  # The load generator's production is ended by a TERM once the flood is over; 1,500 s is a
  # bound above the flood's own (900 s) plus the waits after it (the new agent 150 s, the drain
  # 60 s): with 900 s the agents' sessions ended before a flood that ran its full 900 s did.
  flood) agents="${agents:-1000}" rate="${rate:-0}" duration="${duration:-1500}" ;;
  api) agents="$computers" ;;
  *) echo "bench/run.sh: unknown scenario $scenario" >&2; exit 2 ;;
esac
OUTPOST="$build/src/cli/outpost"
LOADGEN="$build/src/cli/outpost-loadgen"
API_BENCH="$build/bench/outpost_api_bench"
CACHE="${OUTPOST_BENCH_CACHE:-$ROOT/bench/.cache}"
needed=("$OUTPOST" "$LOADGEN")
[ "$scenario" = api ] && needed=("$OUTPOST" "$API_BENCH")
for b in "${needed[@]}"; do
  [ -x "$b" ] || { echo "bench/run.sh: $b is missing; build first (scripts/setup.sh)" >&2; exit 2; }
done
mkdir -p "$out" "$CACHE"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/outpost-bench-XXXXXX")"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT
# Many connections: as root, the hard limit too (the daemons inherit it).
ulimit -Hn 1048576 2>/dev/null || true
ulimit -n "$(ulimit -Hn)"

wait_for() {  # wait_for SECONDS COMMAND...
  local limit=$(($1 * 10)); shift
  for ((i = 0; i < limit; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  return 1
}
has_event() { "$OUTPOST" events --state "$TMP/$1" --id "$2" | grep -qF -- "$3"; }
port_of() {
  "$OUTPOST" events --state "$TMP/$1" --id 30020 --json | sed -n 's/.*"port": \([0-9]*\).*/\1/p' | tail -1
}
start() {  # start NAME ROLE: the daemon's PID in NAME_pid
  "$OUTPOST" "$2" --config "$TMP/$1.toml" 2>>"$TMP/$1.err" &
  pids+=($!)
  printf -v "$1_pid" %s "$!"
}
sample() {  # sample PID: "rss_kb cpu_ticks" or "0 0"
  if [ -r "/proc/$1/status" ]; then
    local rss ticks
    rss="$(awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0)"
    ticks="$(awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0)"
    echo "${rss:-0} ${ticks:-0}"
  else
    echo "0 0"
  fi
}

# --- the database
if [ "$db" = postgres ]; then
  [ -n "${OUTPOST_TEST_PG_URL:-}" ] || {
    echo "bench/run.sh: --db postgres needs OUTPOST_TEST_PG_URL; run it as" \
      "tests/with_postgres.sh bench/run.sh $scenario --db postgres" >&2
    exit 2
  }
  pgdb="bench_$$_$RANDOM"
  psql -X -q -v ON_ERROR_STOP=1 -d "$OUTPOST_TEST_PG_URL" -c "CREATE DATABASE \"$pgdb\"" >/dev/null
  db_url="${OUTPOST_TEST_PG_URL%/*}/$pgdb"
  sql() { psql -X -q -A -t -F ' ' -d "$db_url" -c "$1"; }
else
  db_url="sqlite://$TMP/operations.db"
  sql() { sqlite3 -separator ' ' "$TMP/operations.db" "$1"; }
fi

# --- the api scenario: the REST API and the console on a filled database (no gateway, no load
# generator: the computers are rows, their heartbeats recent enough to be healthy)
api_scenario() {
  local name=ms1.bench.test load_start
  load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
  "$OUTPOST" ca init --dir "$TMP/ca" --name "Outpost API Bench CA" --key ec256 >/dev/null
  "$OUTPOST" ca issue --dir "$TMP/ca" --fqdn "$name" --out "$TMP/issued" >/dev/null
  install -d -m 700 "$TMP/ms1"
  "$OUTPOST" cert trust --state "$TMP/ms1" "$TMP/ca/ca.crt" >/dev/null
  "$OUTPOST" cert import --state "$TMP/ms1" --fqdn "$name" \
    --cert "$TMP/issued/$name.crt" --key "$TMP/issued/$name.key" >/dev/null
  echo "--- filling the database: $computers computers, $days days of cpu.percent for one"
  timeout 1800 "$API_BENCH" --db "$db_url" --computers "$computers" --days "$days" \
    --server "$name" | tee "$TMP/fill.out"
  # interval_s = 60 as agents heartbeat by default; missed_allowed = 100 keeps the heartbeats
  # the filler wrote (at fill time) fresh for the whole run (the health is computed the same way
  # whatever it comes out as). samples_days = 31: the groom at start keeps all the samples.
  cat >"$TMP/ms1.toml" <<TOML
[node]
fqdn = "$name"
management_group = "LAB"
state_dir = "ms1"
[listen]
address = "127.0.0.1"
port = 0
[database]
url = "$db_url"
[admission]
agents = "auto"
[heartbeat]
interval_s = 60
missed_allowed = 100
[retention]
samples_days = 31
[web]
address = "127.0.0.1"
port = 0
TOML
  printf 'bench password 1\n' >"$TMP/admin.pw"
  "$OUTPOST" user add --config "$TMP/ms1.toml" --name admin --role administrator \
    --password-file "$TMP/admin.pw" >/dev/null
  local token
  token="$("$OUTPOST" user token add --config "$TMP/ms1.toml" --name admin --label bench --json |
    jq -r .token)"
  # OUTPOST_BENCH_PRELOAD: a library preloaded into the server only (an experiment: e.g. one
  # that sets TCP_NODELAY on the sockets it accepts; docs/performance.md)
  if [ -n "${OUTPOST_BENCH_PRELOAD:-}" ]; then
    LD_PRELOAD="$OUTPOST_BENCH_PRELOAD" start ms1 server
  else
    start ms1 server
  fi
  wait_for 60 has_event ms1 30110 "listen on https://" ||
    { echo "ms1's console did not start" >&2; cat "$TMP/ms1.err" >&2; return 1; }
  local web_port rss_before rss_after
  web_port="$("$OUTPOST" events --state "$TMP/ms1" --id 30110 --json | jq -r '.[-1].fields.port')"
  rss_before="$(sample "$ms1_pid")"
  echo "--- ms1 (PID $ms1_pid) serves https://$name:$web_port/; $requests requests each after" \
    "$warmup warm-up"
  timeout 3600 python3 "$ROOT/bench/api_latency.py" --address 127.0.0.1 --port "$web_port" --name "$name" \
    --ca "$TMP/ca/ca.crt" --token "$token" --user admin --password-file "$TMP/admin.pw" \
    --days "$days" --requests "$requests" --warmup "$warmup" --server-pid "$ms1_pid" \
    --json "$TMP/latency.json"
  rss_after="$(sample "$ms1_pid")"
  local ok=true
  kill -0 "$ms1_pid" 2>/dev/null || { echo "ms1 stopped during the run" >&2; ok=false; }
  stamp="$(date -u +%Y%m%dT%H%M%SZ)"
  file="$out/api${label:+-$label}-$db-$computers-$stamp.json"
  jq -n --slurpfile lat "$TMP/latency.json" --arg fill "$(cat "$TMP/fill.out")" \
    --arg db "$db" --argjson computers "$computers" --argjson days "$days" \
    --arg machine "$(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB" \
    --arg load_start "$load_start" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
    --argjson rss_before "${rss_before% *}" --argjson rss_after "${rss_after% *}" \
    --arg preload "${OUTPOST_BENCH_PRELOAD:-}" --argjson ok "$ok" \
    --arg commit "$(git -C "$ROOT" rev-parse --short HEAD)" \
    '{scenario: "api", db: $db, computers: $computers, days: $days, machine: $machine,
      load_average_at_start: $load_start, load_average_at_end: $load, commit: $commit, fill: $fill,
      server: {rss_kb_before: $rss_before, rss_kb_after: $rss_after, preload: $preload},
      ok: $ok} + $lat[0]' \
    >"$file"
  echo "  server RSS before / after: ${rss_before% *} / ${rss_after% *} kB; load average at" \
    "start $load_start, at end $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "  json: $file"
  $ok
}
if [ "$scenario" = api ]; then
  api_scenario
  exit $?
fi

# --- certificates: the bench CA and the agents' certificates (cached), the daemons' (per run)
"$LOADGEN" --issue-only --agents "$agents" --cache "$CACHE" | tail -1
for n in ms1 ms2 gw1; do
  "$OUTPOST" ca issue --dir "$CACHE/ca" --fqdn "$n.bench.test" --out "$TMP/issued" >/dev/null
  "$OUTPOST" cert trust --state "$TMP/$n" "$CACHE/ca/ca.crt" >/dev/null
  "$OUTPOST" cert import --state "$TMP/$n" --fqdn "$n.bench.test" \
    --cert "$TMP/issued/$n.bench.test.crt" --key "$TMP/issued/$n.bench.test.key" >/dev/null
done
if [ "$scenario" = flood ]; then  # the new agent (a fresh certificate each run) and the prober
  for n in newagent probe; do
    "$OUTPOST" ca issue --dir "$CACHE/ca" --fqdn "$n.bench.test" --out "$TMP/issued" >/dev/null
  done
  install -d -m 700 "$TMP/newagent"
  "$OUTPOST" cert trust --state "$TMP/newagent" "$CACHE/ca/ca.crt" >/dev/null
  "$OUTPOST" cert import --state "$TMP/newagent" --fqdn newagent.bench.test \
    --cert "$TMP/issued/newagent.bench.test.crt" --key "$TMP/issued/newagent.bench.test.key" >/dev/null
fi

server_config() {  # server_config NAME PORT
  cat >"$TMP/$1.toml" <<TOML
[node]
fqdn = "$1.bench.test"
management_group = "LAB"
state_dir = "$1"
[listen]
address = "127.0.0.1"
port = $2
[database]
url = "$db_url"
[admission]
agents = "auto"
[heartbeat]
interval_s = 60
TOML
}
server_config ms1 0
start ms1 server
wait_for 30 has_event ms1 30020 listens || { echo "ms1 did not start" >&2; cat "$TMP/ms1.err" >&2; exit 1; }
p1="$(port_of ms1)"
parents="\"ms1.bench.test:$p1\""
hosts='"ms1.bench.test" = "127.0.0.1"'
if [ "$scenario" = failover ]; then
  server_config ms2 0
  start ms2 server
  wait_for 30 has_event ms2 30020 listens || { echo "ms2 did not start" >&2; exit 1; }
  p2="$(port_of ms2)"
  parents="$parents, \"ms2.bench.test:$p2\""
  hosts="$hosts
\"ms2.bench.test\" = \"127.0.0.1\""
fi
gateway_config() {  # gateway_config PORT
  cat >"$TMP/gw1.toml" <<TOML
[node]
fqdn = "gw1.bench.test"
management_group = "LAB"
state_dir = "gw1"
[listen]
address = "127.0.0.1"
port = $1
[parents]
servers = [$parents]
[heartbeat]
interval_s = 60
[failover]
dead_peer_timeout_s = 3
failback_interval_s = 60
[hosts]
$hosts
TOML
}
"$OUTPOST" gateway approve --config "$TMP/ms1.toml" --gateway gw1.bench.test >/dev/null
gateway_config 0
start gw1 gateway
wait_for 30 has_event gw1 30022 "Connected to ms1.bench.test" ||
  { echo "gw1 did not connect" >&2; cat "$TMP/gw1.err" >&2; exit 1; }
gw_port="$(port_of gw1)"
gateway_config "$gw_port"

# --- sampling the daemons: RSS (kB) and CPU (ticks) once a second
TICKS="$(getconf CLK_TCK)"
sampler() {
  while :; do
    echo "$(date +%s.%N) gw $(sample "$gw1_pid") ms $(sample "$ms1_pid") lg $(sample "$lg_pid")"
    sleep 1
  done >>"$TMP/samples.txt"
}

# --- the flood scenario (run while the load generator holds the agents' sessions)
FLOOD="$ROOT/bench/flood.py"
ms_now() { date +%s%3N; }
until_ms() {  # until_ms DEADLINE_UNIX_MS COMMAND...: polls COMMAND every 0.2 s until the deadline
  local deadline="$1"; shift
  while [ "$(ms_now)" -lt "$deadline" ]; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  "$@" >/dev/null 2>&1
}
log_bytes() {  # log_bytes: the gateway's events.jsonl (with rotated files) and its stderr
  local n=0 f
  for f in "$TMP"/gw1/events.jsonl* "$TMP/gw1.err"*; do
    [ -f "$f" ] && n=$((n + $(stat -c %s "$f")))
  done
  echo "$n"
}
listener() { "$OUTPOST" status --config "$TMP/gw1.toml" --json 2>/dev/null | jq -c '.listener // {}'; }
lg_last() { grep -E '^t=' "$TMP/loadgen.out" | tail -1 | sed -n "s/.* $1=\\([0-9]*\\).*/\\1/p"; }
in_progress_zero() { [ "$(listener | jq '.in_progress')" = 0 ]; }
rss_now() { awk '/^VmRSS:/ {print $2}' "/proc/$gw1_pid/status"; }
# rss_now_at WHEN: the RSS; the gateway's memory map is kept in TMP for a look (KEEP_TMP=1)
rss_now_at() { cat "/proc/$gw1_pid/smaps" >"$TMP/gw1.smaps.$1" 2>/dev/null || true; rss_now; }
admitted_at() {  # the time of the gateway's "Admitted agent newagent..." (30022), in Unix ms
  local t
  t="$(grep -h -F 'Admitted agent newagent.bench.test' "$TMP"/gw1/events.jsonl* 2>/dev/null |
    head -1 | jq -r '.time')"
  [ -n "$t" ] && date -d "$t" +%s%3N
}
probe() {  # probe NAME PAUSE_MS: --probes timed TLS handshakes of a legitimate client -> NAME.json
  python3 "$FLOOD" probe 127.0.0.1 "$gw_port" --count "$probes" --pause-ms "$2" --from 127.0.0.2 \
    --cert "$TMP/issued/probe.bench.test.crt" --key "$TMP/issued/probe.bench.test.key" \
    --ca "$CACHE/ca/ca.crt" --name gw1.bench.test >"$TMP/$1.json" 2>"$TMP/$1.err"
}
# gdb stops the gateway while it attaches: without reading symbols (but libc's) that is ~0.3 s,
# well below the gateway's dead-peer timeout (3 s) towards its server.
gdb_quick=(--readnever -batch -iex 'set auto-solib-add off' -ex 'sharedlibrary libc.so')
# malloc_in_use: with OUTPOST_BENCH_MALLOC=1 and gdb, the gateway's malloc "in use" bytes (glibc
# malloc_stats, which the gateway prints on its stderr); otherwise -1.
malloc_in_use() {
  if [ "${OUTPOST_BENCH_MALLOC:-}" != 1 ] || ! command -v gdb >/dev/null; then echo -1; return; fi
  timeout 60 gdb "${gdb_quick[@]}" -p "$gw1_pid" -ex 'call (void) malloc_stats()' >/dev/null 2>&1 || true
  sleep 0.5
  grep -A2 '^Total (incl. mmap):' "$TMP/gw1.err" | awk '/in use bytes/ {v = $NF} END {print v + 0}'
}
malloc_trim() {  # with OUTPOST_BENCH_MALLOC=1: malloc_trim(0) in the gateway, then its RSS
  if [ "${OUTPOST_BENCH_MALLOC:-}" != 1 ] || ! command -v gdb >/dev/null; then echo -1; return; fi
  timeout 60 gdb "${gdb_quick[@]}" -p "$gw1_pid" -ex 'call (int) malloc_trim(0)' >/dev/null 2>&1 || true
  rss_now
}
flood_scenario() {
  wait_for $((agents / 20 + 120)) all_connected || { echo "not all agents connected" >&2; return 1; }
  sleep 2
  probe probes_before 200
  local rss_before log_before listener_before flood_start flood_stop malloc_before
  malloc_before="$(malloc_in_use)"
  rss_before="$(rss_now_at before)" log_before="$(log_bytes)" listener_before="$(listener)"
  local lg_from handshakes_before
  lg_from="$(wc -l <"$TMP/loadgen.out")" handshakes_before="$(lg_last handshakes)"
  echo "--- $agents agents connected; gateway RSS $rss_before kB; flood starts"
  flood_start="$(ms_now)"
  python3 "$FLOOD" junk 127.0.0.1 "$gw_port" --held "$junk_held" --per-source "$junk_per_source" \
    --cycles "$junk_cycles" --cycle-sources "$junk_cycle_sources" --reopen-ms "$junk_reopen_ms" \
    --max-seconds 900 >"$TMP/flood.out" 2>&1 &
  flood_pid=$!
  pids+=("$flood_pid")
  tail -f "$TMP/flood.out" --pid "$flood_pid" 2>/dev/null | grep --line-buffered -E '^t=[0-9]*0s|^held|^cycles' &
  if [ "$junk_held" -gt 0 ]; then
    until_ms $(($(ms_now) + 120000)) grep -q '^held: all' "$TMP/flood.out" ||
      echo "the held connections were not all attempted in 120 s" >&2
    sleep 2  # the gateway's budget taken, the refused connections coming back
  fi
  local listener_at_admission rss_during admitted="" admission_ms=-1 after_flood_ms=-1 agent_start
  listener_at_admission="$(listener)"
  # The new agent: the real daemon, with a certificate the server has never seen.
  cat >"$TMP/newagent.toml" <<TOML
[node]
fqdn = "newagent.bench.test"
management_group = "LAB"
state_dir = "newagent"
[parents]
servers = ["gw1.bench.test:$gw_port"]
[hosts]
"gw1.bench.test" = "127.0.0.1"
TOML
  agent_start="$(ms_now)"
  "$OUTPOST" agent --config "$TMP/newagent.toml" 2>>"$TMP/newagent.err" &
  newagent_pid=$!
  pids+=("$newagent_pid")
  probe probes_during 1000 &  # spread over ~--probes seconds, across the handshake deadline
  probe_pid=$!
  pids+=("$probe_pid")
  # The flood goes on until its connect/close cycles are done and the new agent is admitted, or
  # 120 s after the agent's start (the flood client ends itself after 900 s in any case).
  if until_ms $((agent_start + 120000)) admitted_at; then
    admission_ms=$(($(admitted_at) - agent_start))
    echo "--- the new agent was admitted ${admission_ms} ms after its start, under the flood"
  else
    echo "--- the new agent was not admitted within 120 s under the flood"
  fi
  wait "$probe_pid" || true
  rss_during="$(rss_now_at during)"
  until_ms $((flood_start + 900000)) grep -q '^cycles: done' "$TMP/flood.out" || true
  local listener_at_end
  listener_at_end="$(listener)"
  flood_stop="$(ms_now)"
  kill -TERM "$flood_pid" 2>/dev/null || true
  wait "$flood_pid" || true
  echo "--- flood stopped after $(((flood_stop - flood_start) / 1000)) s: $(tail -1 "$TMP/flood.out")"
  if [ "$admission_ms" -lt 0 ]; then  # correctness: admitted once the flood is over (its backoff
    if until_ms $((flood_stop + 150000)) admitted_at; then  # is at most 75 s)
      admitted="$(admitted_at)"
      after_flood_ms=$((admitted - flood_stop))
      echo "--- the new agent was admitted ${after_flood_ms} ms after the flood stopped"
    else
      echo "--- the new agent was not admitted, even 150 s after the flood" >&2
    fi
  fi
  local drained=true
  until_ms $(($(ms_now) + 60000)) in_progress_zero || drained=false
  sleep 5  # the last sessions' memory released
  local rss_after log_after listener_after still malloc_after rss_trimmed
  rss_after="$(rss_now_at after)" log_after="$(log_bytes)" listener_after="$(listener)"
  malloc_after="$(malloc_in_use)" rss_trimmed="$(malloc_trim)"
  # The agents stayed: the fewest connected in any progress line since the flood started, and
  # no handshake since (a session lost and regained between two lines would show there).
  sleep 1
  still="$(tail -n +$((lg_from + 1)) "$TMP/loadgen.out" | grep -E '^t=' |
    sed -n 's/.* connected=\([0-9]*\)\/.*/\1/p' | sort -n | head -1)"
  local new_handshakes=$(($(lg_last handshakes) - handshakes_before))
  local peak_during
  peak_during="$(awk -v a="$flood_start" -v b="$flood_stop" '$1 * 1000 >= a && $1 * 1000 <= b && $3 > m {m = $3} END {print m + 0}' "$TMP/samples.txt")"
  local flood_json agent_events
  flood_json="$(tail -1 "$TMP/flood.out" | jq -c . 2>/dev/null || echo null)"
  agent_events="$(cat "$TMP"/newagent/events.jsonl* 2>/dev/null | jq -s -c 'group_by(.id) | map({key: (.[0].id | tostring), value: length}) | from_entries' || echo '{}')"
  kill "$newagent_pid" 2>/dev/null || true
  extra="$(jq -n -c --argjson flood "$flood_json" \
    --argjson probes_before "$(jq -c . "$TMP/probes_before.json" 2>/dev/null || echo '[]')" \
    --argjson probes_during "$(jq -c . "$TMP/probes_during.json" 2>/dev/null || echo '[]')" \
    --argjson agent_events "$agent_events" --argjson lb "$listener_before" \
    --argjson lm "$listener_at_admission" --argjson le "$listener_at_end" --argjson la "$listener_after" \
    --argjson held "$junk_held" --argjson per_source "$junk_per_source" \
    --argjson cycles "$junk_cycles" --argjson cycle_sources "$junk_cycle_sources" \
    --argjson reopen "$junk_reopen_ms" \
    --argjson admission_ms "$admission_ms" --argjson after_flood_ms "$after_flood_ms" \
    --argjson rss_before "$rss_before" --argjson rss_during "$rss_during" \
    --argjson rss_peak "$peak_during" --argjson rss_after "$rss_after" \
    --argjson rss_trimmed "$rss_trimmed" --argjson malloc_before "$malloc_before" \
    --argjson malloc_after "$malloc_after" \
    --argjson log_before "$log_before" --argjson log_after "$log_after" \
    --argjson connected_min "${still:-0}" --argjson drained "$drained" \
    --argjson new_handshakes "$new_handshakes" \
    --argjson flood_s "$(echo "scale=2; ($flood_stop - $flood_start) / 1000" | bc)" \
    '{flood: {settings: {held: $held, per_source: $per_source, cycles: $cycles,
                         cycle_sources: $cycle_sources, reopen_ms: $reopen},
              client: $flood, seconds: $flood_s,
              new_agent: {admission_ms: $admission_ms, admitted_after_flood_ms: $after_flood_ms,
                          events: $agent_events},
              probes_before: $probes_before, probes_during: $probes_during,
              gateway_rss_kb: {before: $rss_before, during: $rss_during, peak_during: $rss_peak,
                               after: $rss_after, after_malloc_trim: $rss_trimmed},
              gateway_malloc_in_use_bytes: {before: $malloc_before, after: $malloc_after},
              gateway_log_bytes: {before: $log_before, after: $log_after,
                                  written: ($log_after - $log_before)},
              listener: {before: $lb, at_admission: $lm, at_end: $le, after: $la,
                         drained: $drained},
              agents: {fewest_connected: $connected_min,
                       handshakes_since_flood_start: $new_handshakes}}}')"
}

# --- the load
lg_args=(--gateway "127.0.0.1:$gw_port" --gateway-fqdn gw1.bench.test --group LAB
  --agents "$agents" --rate "$rate" --duration "$duration" --batch-ms "$batch_ms"
  --heartbeat-s "$heartbeat_s" --cache "$CACHE" --json "$TMP/loadgen.json")
[ "$scenario" = reconnect ] && lg_args+=(--max-backoff-s 10)
base_gw="$(sample "$gw1_pid")" base_ms="$(sample "$ms1_pid")"
"$LOADGEN" "${lg_args[@]}" >"$TMP/loadgen.out" 2>&1 &
lg_pid=$!
pids+=("$lg_pid")
sampler &
sampler_pid=$!
pids+=("$sampler_pid")
tail -f "$TMP/loadgen.out" --pid "$lg_pid" 2>/dev/null | grep --line-buffered -E '^t=[0-9]*[05]s|again|over|^a0' &
extra='{}'
all_connected() { grep -q "connected=$agents/$agents" "$TMP/loadgen.out"; }
case "$scenario" in
  failover)
    sleep $((duration / 3))
    kill_ms=$(date +%s%3N)
    kill -9 "$ms1_pid"
    wait "$ms1_pid" 2>/dev/null || true
    echo "--- kill -9 ms1 at $kill_ms"
    extra="{\"killed_primary_unix_ms\": $kill_ms}"
    ;;
  reconnect)
    wait_for $((agents / 20 + 120)) all_connected || { echo "not all agents connected" >&2; }
    sleep 3
    restart_at=$(date +%s%3N)
    kill -TERM "$gw1_pid"
    wait "$gw1_pid" 2>/dev/null || true
    start gw1 gateway
    echo "--- gateway restarted ($(($(date +%s%3N) - restart_at)) ms to stop)"
    wait_for $((agents / 20 + 120)) grep -q "connected again" "$TMP/loadgen.out" || true
    back_at=$(date +%s%3N)
    extra="{\"restart_unix_ms\": $restart_at, \"all_back_s\": $(echo "scale=2; ($back_at - $restart_at) / 1000" | bc)}"
    sleep 2
    kill -TERM "$lg_pid"
    ;;
  flood)
    flood_scenario
    kill -TERM "$lg_pid" 2>/dev/null ||
      echo "bench/run.sh: the load generator ended before the flood was over (--duration)" >&2
    ;;
esac
wait "$lg_pid" || true
kill "$sampler_pid" 2>/dev/null || true
end_gw="$(grep -E ' gw [1-9]' "$TMP/samples.txt" | tail -1 | awk '{print $3, $4}')"
peak_gw_rss="$(awk '{if ($3 > m) m = $3} END {print m + 0}' "$TMP/samples.txt")"
peak_ms_rss="$(awk '{if ($6 > m) m = $6} END {print m + 0}' "$TMP/samples.txt")"
peak_lg_rss="$(awk '{if ($9 > m) m = $9} END {print m + 0}' "$TMP/samples.txt")"
# CPU: the busiest second and the average over the run, in % of one core.
cpu() {  # cpu COLUMN (ticks column of samples.txt): "avg max"
  awk -v c="$1" -v hz="$TICKS" 'NR > 1 && $c > 0 && p > 0 { d = ($c - p) / hz / ($1 - t) * 100;
      if (d > m) m = d; s += d; n++ } { p = $c; t = $1 }
      END { printf "%.0f %.0f", (n ? s / n : 0), m }' "$TMP/samples.txt"
}
read -r gw_cpu_avg gw_cpu_max <<<"$(cpu 4)"
read -r ms_cpu_avg ms_cpu_max <<<"$(cpu 7)"
read -r lg_cpu_avg lg_cpu_max <<<"$(cpu 10)"

# --- the count check, from the database: every item the agents produced, exactly once
read -r db_items db_origins bad_origins <<<"$(sql "SELECT count(*), count(DISTINCT origin), 0 FROM items WHERE origin LIKE '%.load.test'")"
bad_origins="$(sql "SELECT count(*) FROM (SELECT origin, count(*) AS n, min(seq) AS lo, max(seq) AS hi FROM items WHERE origin LIKE '%.load.test' GROUP BY origin) AS o WHERE n <> hi OR lo <> 1")"
hw_mismatch="$(sql "SELECT count(*) FROM high_water h JOIN (SELECT origin, max(seq) AS hi FROM items GROUP BY origin) AS o ON o.origin = h.origin WHERE h.through_seq <> o.hi")"
L="$TMP/loadgen.json"
produced="$(jq .produced "$L")" acked="$(jq .acked "$L")"
counts_ok=true
[ "$produced" = "$db_items" ] && [ "$acked" = "$produced" ] && [ "$bad_origins" = 0 ] &&
  [ "$hw_mismatch" = 0 ] || counts_ok=false
[ "$rate" = 0 ] && [ "$(jq .peak_connected "$L")" != "$agents" ] && counts_ok=false
if [ "$scenario" = flood ]; then  # no agent dropped by the flood, and the new one admitted
  [ "$(jq .flood.agents.fewest_connected <<<"$extra")" = "$agents" ] || counts_ok=false
  [ "$(jq .flood.agents.handshakes_since_flood_start <<<"$extra")" = 0 ] || counts_ok=false
  [ "$(jq .flood.new_agent.admission_ms <<<"$extra")" -ge 0 ] ||
    [ "$(jq .flood.new_agent.admitted_after_flood_ms <<<"$extra")" -ge 0 ] || counts_ok=false
fi

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
file="$out/$scenario${label:+-$label}-$db-$agents-$stamp.json"
jq -n --slurpfile lg "$L" --argjson extra "$extra" \
  --arg scenario "$scenario" --arg db "$db" --argjson agents "$agents" --argjson rate "$rate" \
  --argjson db_items "${db_items:-0}" --argjson db_origins "${db_origins:-0}" \
  --argjson bad_origins "${bad_origins:-0}" --argjson hw_mismatch "${hw_mismatch:-0}" \
  --argjson counts_ok "$counts_ok" --arg machine "$(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB" \
  --argjson gw_rss "${end_gw% *}" --argjson peak_gw_rss "$peak_gw_rss" --argjson peak_ms_rss "$peak_ms_rss" \
  --argjson peak_lg_rss "$peak_lg_rss" --argjson base_gw_rss "${base_gw% *}" --argjson base_ms_rss "${base_ms% *}" \
  --argjson gw_cpu_avg "$gw_cpu_avg" --argjson gw_cpu_max "$gw_cpu_max" \
  --argjson ms_cpu_avg "$ms_cpu_avg" --argjson ms_cpu_max "$ms_cpu_max" \
  --argjson lg_cpu_avg "$lg_cpu_avg" --argjson lg_cpu_max "$lg_cpu_max" \
  --arg commit "$(git -C "$ROOT" rev-parse --short HEAD)" \
  '{scenario: $scenario, db: $db, agents: $agents, rate_per_agent: $rate, machine: $machine,
    commit: $commit, loadgen: $lg[0],
    database: {items: $db_items, origins: $db_origins, origins_with_holes: $bad_origins,
               high_water_mismatches: $hw_mismatch}, counts_ok: $counts_ok,
    gateway: {rss_kb_before: $base_gw_rss, rss_kb_last: $gw_rss, rss_kb_peak: $peak_gw_rss,
              cpu_pct_avg: $gw_cpu_avg, cpu_pct_max: $gw_cpu_max},
    server: {rss_kb_before: $base_ms_rss, rss_kb_peak: $peak_ms_rss, cpu_pct_avg: $ms_cpu_avg,
             cpu_pct_max: $ms_cpu_max},
    loadgen_process: {rss_kb_peak: $peak_lg_rss, cpu_pct_avg: $lg_cpu_avg, cpu_pct_max: $lg_cpu_max}}
   + $extra' >"$file"

j() { jq -r "$1" "$file"; }
printf '\n%s (%s, %s agents, %s items/s each)\n' "$scenario" "$db" "$agents" "$rate"
printf '  %-34s %s\n' \
  "agents connected (peak / at end)" "$(j .loadgen.peak_connected) / $(j .loadgen.connected_at_end)" \
  "all connected after" "$(j .loadgen.all_connected_after_s) s" \
  "handshakes / failures" "$(j .loadgen.handshakes) / $(j .loadgen.connect_failures)" \
  "full handshakes/s (all connecting)" "$(j 'if .loadgen.all_connected_after_s > 0 then (.agents / .loadgen.all_connected_after_s | floor) else "-" end')" \
  "gateway RSS per agent connection" "$(j 'if .loadgen.peak_connected > 0 then ((.gateway.rss_kb_peak - .gateway.rss_kb_before) * 1024 / .loadgen.peak_connected | floor) else "-" end') bytes" \
  "produced / acked / in database" "$produced / $acked / $db_items" \
  "acked items/s during production" "$(j '(.loadgen.acked_during_production / .loadgen.duration_s) | floor')" \
  "latency production->ack p50 / p99" "$(j .loadgen.latency_ms_p50) / $(j .loadgen.latency_ms_p99) ms" \
  "longest interval without Acks" "$(j .loadgen.max_ack_gap_s) s" \
  "gateway RSS before / peak" "$(j .gateway.rss_kb_before) / $(j .gateway.rss_kb_peak) kB" \
  "gateway CPU avg / max" "$(j .gateway.cpu_pct_avg) / $(j .gateway.cpu_pct_max) %" \
  "server RSS before / peak" "$(j .server.rss_kb_before) / $(j .server.rss_kb_peak) kB" \
  "server CPU avg / max" "$(j .server.cpu_pct_avg) / $(j .server.cpu_pct_max) %" \
  "loadgen RSS peak, CPU avg" "$(j .loadgen_process.rss_kb_peak) kB, $(j .loadgen_process.cpu_pct_avg) %" \
  "origins with holes / hw mismatches" "$bad_origins / $hw_mismatch" \
  "count check" "$counts_ok"
[ "$scenario" = reconnect ] && printf '  %-34s %s\n' "all back after gateway restart" "$(j .all_back_s) s"
if [ "$scenario" = flood ]; then
  probes_ok() { j "[.flood.$1[] | select(.outcome == \"ok\")] | length"; }
  probes_ms() {
    j "[.flood.$1[] | select(.outcome == \"ok\") | .handshake_ms] | sort |
       if length > 0 then \"\\(.[0]) / \\(.[length / 2 | floor]) / \\(.[-1]) ms\" else \"-\" end"
  }
  printf '  %-38s %s\n' \
    "junk held / per source / cycles" "$(j .flood.settings.held) / $(j .flood.settings.per_source) / $(j .flood.settings.cycles) from $(j .flood.settings.cycle_sources) sources (reopen after ~$(j .flood.settings.reopen_ms) ms)" \
    "junk connects / closed by gateway" "$(j .flood.client.connects) in $(j .flood.client.seconds) s / $(j .flood.client.held_closed_by_peer)" \
    "agents: fewest connected / reconnects" "$(j .flood.agents.fewest_connected) / $(j .flood.agents.handshakes_since_flood_start) (since the flood started)" \
    "new agent admitted under flood after" "$(j .flood.new_agent.admission_ms) ms (-1: not within 120 s; then $(j .flood.new_agent.admitted_after_flood_ms) ms after the flood)" \
    "new agent's events" "$(jq -c .flood.new_agent.events "$file")" \
    "legit handshakes before: ok / tried" "$(probes_ok probes_before) / $(j '.flood.probes_before | length'); min/median/max $(probes_ms probes_before)" \
    "legit handshakes during: ok / tried" "$(probes_ok probes_during) / $(j '.flood.probes_during | length'); min/median/max $(probes_ms probes_during)" \
    "gateway RSS before/during/peak/after" "$(j .flood.gateway_rss_kb.before) / $(j .flood.gateway_rss_kb.during) / $(j .flood.gateway_rss_kb.peak_during) / $(j .flood.gateway_rss_kb.after) kB" \
    "gateway malloc in use before/after" "$(j .flood.gateway_malloc_in_use_bytes.before) / $(j .flood.gateway_malloc_in_use_bytes.after) bytes; RSS after malloc_trim $(j .flood.gateway_rss_kb.after_malloc_trim) kB (-1: OUTPOST_BENCH_MALLOC unset)" \
    "gateway log bytes written" "$(j .flood.gateway_log_bytes.written)" \
    "listener at end of flood" "$(jq -c .flood.listener.at_end "$file")" \
    "listener after" "$(jq -c .flood.listener.after "$file")"
fi
echo "  json: $file"
$counts_ok

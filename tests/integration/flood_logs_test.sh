#!/usr/bin/env bash
# Finding 1 and 2 of issue 11: a flood of junk TCP connections from one address against a
# gateway. 2,000 connect/close and 40 idle connections held from 127.0.0.5 must not make the
# gateway write without bound (refusals rate-limited per source, then one summary event 30070 /
# 30071), the idle ones beyond [limits] preauth_max_per_source are closed at accept and the rest
# at the handshake deadline, and an agent from another address is admitted meanwhile. The
# counters are in `outpost status --json` ("listener"). Then junk from many addresses
# (bench/flood.py: 200 idle connections from 25 addresses, each reopened 50 ms after it is
# closed) keeps every place of the total budget taken; a second agent is still admitted while it
# lasts, because the oldest connection that has sent nothing is closed to make room for it; and
# again with junk that sends one byte of a TLS record and stops (no complete ClientHello).
# Every process is stopped by its PID.
source "$(dirname "$0")/lib.sh"
FLOOD="$(cd "$(dirname "$0")/../tools" && pwd)/flood.py"
JUNK="$(cd "$(dirname "$0")/../../bench" && pwd)/flood.py"
cd "$TMP"

computers "Flood Test CA" ms1 gw1 agent1
cat >ms1.toml <<TOML
$(node_section ms1)
[listen]
address = "127.0.0.1"
port = 0
[database]
url = "sqlite://$PWD/ms1/operations.db"
[admission]
agents = "auto"
TOML
"$OUTPOST" server --config ms1.toml 2>ms1.err &
pids+=($!)
wait_for 30 has_event ms1 30020 listens
ms_port="$(port_of ms1)"
"$OUTPOST" gateway approve --config ms1.toml --gateway gw1.lab.test >/dev/null
cat >gw1.toml <<TOML
$(node_section gw1)
[listen]
address = "127.0.0.1"
port = 0
[parents]
servers = ["ms1.lab.test:$ms_port"]
[hosts]
"ms1.lab.test" = "127.0.0.1"
[limits]
preauth_max_connections = 32
preauth_max_per_source = 8
handshake_timeout_s = 3
TOML
"$OUTPOST" gateway --config gw1.toml 2>gw1.err &
pids+=($!)
check "the gateway connects to its server" wait_for 60 has_event gw1 30022 "Connected to ms1.lab.test"
gw_port="$(port_of gw1)"
size() { stat -c %s "$1"; }
events_before="$(size gw1/events.jsonl)"
err_before="$(size gw1.err)"

# 40 idle connections from 127.0.0.5 for 8 s (beyond the 3 s deadline), and meanwhile 2,000
# connect/close from the same address.
timeout 60 python3 "$FLOOD" 127.0.0.1 "$gw_port" --from 127.0.0.5 --hold 40 --seconds 8 \
  >hold.out 2>&1 &
hold_pid=$!
pids+=("$hold_pid")
check "2,000 connect/close from 127.0.0.5" \
  timeout 120 python3 "$FLOOD" 127.0.0.1 "$gw_port" --from 127.0.0.5 --connect-close 2000

# A legitimate agent from 127.0.0.1 while the idle ones are held.
cat >agent1.toml <<TOML
$(node_section agent1)
[parents]
servers = ["gw1.lab.test:$gw_port"]
[hosts]
"gw1.lab.test" = "127.0.0.1"
TOML
"$OUTPOST" agent --config agent1.toml 2>agent1.err &
pids+=($!)
check "an agent from another address is admitted during the flood" \
  wait_for 60 has_event gw1 30022 "Admitted agent agent1.lab.test"
wait "$hold_pid" || true

check "the refusals are summarised per source (30070 naming 127.0.0.5)" \
  wait_for 30 has_event gw1 30070 "127.0.0.5"
check "the connections over the per-source budget are summarised (30071)" \
  wait_for 30 has_event gw1 30071 "127.0.0.5"
status="$("$OUTPOST" status --config gw1.toml --json | tr -d ' \n')"
echo "# hold: $(cat hold.out); status: $(grep -o '"listener":{[^}]*}' <<<"$status")"
counter() { sed -n "s/.*\"listener\":{[^}]*\"$1\":\([0-9]*\).*/\1/p" <<<"$status"; }
check "status: refusals over the per-source budget are counted" \
  test "$(counter refused_over_per_source)" -gt 0
check "status: idle connections closed at the deadline are counted" \
  test "$(counter deadline_expired)" -gt 0
check "status: nothing is in progress after the flood" test "$(counter in_progress)" -eq 0

events_growth=$(($(size gw1/events.jsonl) - events_before))
err_growth=$(($(size gw1.err) - err_before))
echo "# events.jsonl grew by $events_growth bytes, the daemon's log by $err_growth bytes"
check "events.jsonl grew by less than 64 KiB (not ~300 bytes per connection)" \
  test "$events_growth" -lt 65536
check "the daemon's log grew by less than 64 KiB" test "$err_growth" -lt 65536

# --- junk from 25 addresses holds every one of the 32 places, again and again
full() {
  status="$("$OUTPOST" status --config gw1.toml --json | tr -d ' \n')"
  test "$(counter in_progress)" -ge 30
}
# junk_run AGENT NET WHAT [FLOOD OPTIONS]: 200 junk connections from 25 addresses in NET.x.y
# (each reopened 50 ms after it is closed) take every place; AGENT is admitted meanwhile, and
# more connections were closed to make room than before.
junk_run() {
  local agent="$1" net="$2" what="$3" junk_pid evicted_before; shift 3
  python3 "$JUNK" junk 127.0.0.1 "$gw_port" --held 200 --per-source 8 --held-net "$net" \
    --reopen-ms 50 --cycles 0 --max-seconds 90 "$@" >"junk-$agent.out" 2>&1 &
  junk_pid=$!
  pids+=("$junk_pid")
  check "$what takes the places for unauthenticated connections" wait_for 60 full
  evicted_before="$(counter evicted_silent)"
  if [ ! -d "$agent" ]; then
    install -d -m 700 "$agent"
    "$OUTPOST" ca issue --dir ca --fqdn "$agent.lab.test" --out issued >/dev/null
    "$OUTPOST" cert trust --state "$PWD/$agent" ca/ca.crt >/dev/null
    "$OUTPOST" cert import --state "$PWD/$agent" --fqdn "$agent.lab.test" \
      --cert "issued/$agent.lab.test.crt" --key "issued/$agent.lab.test.key" >/dev/null
  fi
  sed "s/agent1/$agent/" agent1.toml >"$agent.toml"
  "$OUTPOST" agent --config "$agent.toml" 2>"$agent.err" &
  pids+=($!)
  check "$agent is admitted while $what holds every place" \
    wait_for 60 has_event gw1 30022 "Admitted agent $agent.lab.test"
  check "$what was still running then" kill -0 "$junk_pid"
  status="$("$OUTPOST" status --config gw1.toml --json | tr -d ' \n')"
  echo "# $(grep -o '"listener":{[^}]*}' <<<"$status")"
  check "status: connections closed to make room are counted" \
    test "$(counter evicted_silent)" -gt "$evicted_before"
  kill "$junk_pid"
  wait "$junk_pid" 2>/dev/null || true
}
junk_run agent2 127.4 "junk that sends nothing"
junk_run agent3 127.5 "junk that sends one byte of a TLS record" --first-bytes 1
finish

#!/usr/bin/env bash
# Finding 10 of issue 11: no item can end the management server. An approved agent (the test
# client, tests/tools/test_agent.cpp) sends batches in which items of every bad shape (a
# wrong-typed field, a payload that is a number, an array, not JSON, not UTF-8, empty, none) sit
# between good ones. The server stays up, logs 30052 for each bad item (naming origin, seq, kind
# and the field), stores the good ones and acknowledges everything, so the sender's queue drains;
# sent again, nothing is refused twice. Rows stored before the check existed (written into the
# database by hand) never break `outpost events --computer` or `outpost perf`, with the server
# running or stopped.
# backends: sqlite postgres (the database is part of what this tests; see CMakeLists.txt)
source "$(dirname "$0")/lib.sh"
TEST_AGENT="${OUTPOST_TEST_AGENT:?set by tests/integration/CMakeLists.txt}"
cd "$TMP"

computers "Ingest Validation Test CA" ms1 agent1

db_url="$(database_url ms1)"
cat >ms1.toml <<TOML
$(node_section ms1)
[listen]
address = "127.0.0.1"
port = 0
[database]
url = "$db_url"
[admission]
agents = "auto"
TOML
"$OUTPOST" server --config ms1.toml 2>>ms1.err &
ms_pid=$!
pids+=("$ms_pid")
wait_for 30 has_event ms1 30020 listens
ms_port="$(port_of ms1)"

cat >agent1.toml <<TOML
$(node_section agent1)
[parents]
servers = ["ms1.lab.test:$ms_port"]
[hosts]
"ms1.lab.test" = "127.0.0.1"
TOML

sample='{"counter":"cpu.percent","instance":"","value":12.5,"unit":"%"}'
event='{"source":"log:/x","level":"warning","rule":"r1","message":"good"}'
check='{"name":"disk_root","status":"ok","exit_code":0,"output":"DISK OK","duration_ms":3}'
# seq: 1 good, 2 bad, 3 good | 4 good, 5 bad, 6 bad, 7 good | 8 bad, 9 good, 10 bad, 11 bad |
# 12 bad, 13 bad, 14 bad, 15 bad, 16 good | 17 bad, 18 good
jq -n --arg s "$sample" --arg e "$event" --arg c "$check" '[
  {items: [{kind: "sample", payload: $s},
           {kind: "sample", payload: "{\"counter\":5,\"instance\":\"\",\"value\":1,\"unit\":\"\"}"},
           {kind: "sample", payload: $s}]},
  {items: [{kind: "event", payload: $e},
           {kind: "event", payload: "{\"source\":\"s\",\"level\":\"info\",\"rule\":5,\"message\":\"m\"}"},
           {kind: "event", payload: "this is not JSON"},
           {kind: "event", payload: $e}]},
  {items: [{kind: "check", payload: "{\"name\":5,\"status\":\"ok\",\"exit_code\":0,\"output\":\"\",\"duration_ms\":1}"},
           {kind: "check", payload: $c},
           {kind: "check", payload: "{\"name\":\"n\",\"status\":7,\"exit_code\":0,\"output\":\"\",\"duration_ms\":1}"},
           {kind: "sample", payload: "{\"counter\":\"c\",\"instance\":\"\",\"value\":\"x\",\"unit\":\"\"}"}]},
  {items: [{kind: "event", payload: "42"},
           {kind: "event", payload: "[1,2]"},
           {kind: "event", payload: ""},
           {kind: "event", payload_hex: "7b22ff22"},
           {kind: "event", payload: $e}]},
  {items: [{kind: "none"}, {kind: "sample", payload: $s}]}
]' >batches.json

check "the server acknowledges every item, bad ones included (the sender's queue drains)" \
  "$TEST_AGENT" --config agent1.toml --batches batches.json --wait-s 60
check "the server is still running" kill -0 "$ms_pid"
refused() { "$OUTPOST" events --state ms1 --id 30052 --json | jq length; }
check "30052 once for each of the 11 bad items" wait_for 20 test "$(refused)" = 11
events="$("$OUTPOST" events --state ms1 --id 30052 --json)"
named() { jq -e --arg m "$1" '[.[] | select(.message | contains($m))] | length == 1' <<<"$events"; }
check "30052 names origin, seq, kind and the field's type" \
  named "Item 2 (sample) of agent1.lab.test was refused and not stored: field 'counter' is a number (expected a string)"
check "30052 for 'rule': 5" named "Item 5 (event) of agent1.lab.test was refused and not stored: field 'rule' is a number"
check "30052 for text that is not JSON" named "Item 6 (event) of agent1.lab.test was refused and not stored: the payload is not JSON"
check "30052 for 'name': 5" named "Item 8 (check) of agent1.lab.test was refused and not stored: field 'name' is a number"
check "30052 for 'status': 7" named "Item 10 (check) of agent1.lab.test was refused and not stored: field 'status' is a number"
check "30052 for 'value': \"x\"" named "Item 11 (sample) of agent1.lab.test was refused and not stored: field 'value' is a string (expected a number)"
check "30052 for a number" named "Item 12 (event) of agent1.lab.test was refused and not stored: the payload is a number"
check "30052 for an array" named "Item 13 (event) of agent1.lab.test was refused and not stored: the payload is an array"
check "30052 for an empty payload" named "Item 14 (event) of agent1.lab.test was refused and not stored: the payload is empty"
check "30052 for bytes that are not UTF-8" named "Item 15 (event) of agent1.lab.test was refused and not stored: the payload is not JSON"
check "30052 for an item without a payload" named "Item 17 (event) of agent1.lab.test was refused and not stored: the item carries no payload"

perf() { "$OUTPOST" perf --config ms1.toml --computer agent1.lab.test "$@"; }
agent_events() { "$OUTPOST" events --config ms1.toml --computer agent1.lab.test "$@"; }
check "the good samples are stored (seq 1, 3, 18)" \
  test "$(perf --json | jq -c '[.[].seq]')" = "[1,3,18]"
check "the good events are stored (seq 4, 7, 16)" \
  test "$(agent_events --json | jq -c '[.[].seq]')" = "[4,7,16]"
check "the good check is the computer's state" \
  inventory_is ms1.toml agent1.lab.test checks=ok

check "sent again: every item is acknowledged as a duplicate" \
  "$TEST_AGENT" --config agent1.toml --batches batches.json --wait-s 60
check "sent again: nothing refused twice" test "$(refused)" = 11
check "no 30053 (no batch failed)" test "$("$OUTPOST" events --state ms1 --id 30053 --json | jq length)" = 0

# Rows stored before items were checked at ingest: written into the database by hand.
sql() {
  if [ "${OUTPOST_TEST_BACKEND:-sqlite}" = postgres ]; then
    psql -q -v ON_ERROR_STOP=1 "$db_url" -c "$1"
  else
    sqlite3 "${db_url#sqlite://}" "$1"
  fi
}
row() { echo "('agent1.lab.test', $1, '$2', '$3', 1700000000$1, '$4')"; }
sql "INSERT INTO items (origin, seq, kind, name, produced_ms, payload) VALUES
  $(row 100 sample x '{"counter":5,"instance":"","value":"x","unit":7}'),
  $(row 101 sample x '42'),
  $(row 102 sample x 'not JSON'),
  $(row 103 sample x ''),
  $(row 104 event x '{"source":5,"level":[1],"rule":5,"message":{"a":1}}'),
  $(row 105 event x '[1,2]'),
  $(row 106 event x 'not JSON either')"

old_rows_read() {
  local perf_json events_json
  perf_json="$(perf --json)" && events_json="$(agent_events --json)" || return 1
  [ "$(jq length <<<"$perf_json")" = 7 ] && [ "$(jq length <<<"$events_json")" = 6 ] || return 1
  [ "$(jq '[.[] | select(.invalid)] | length' <<<"$perf_json")" = 4 ] || return 1
  perf >/dev/null && agent_events >/dev/null
}
check "perf and events --computer read old bad rows (valid JSON, marked invalid)" old_rows_read
kill "$ms_pid"
wait "$ms_pid" 2>/dev/null || true
check "the server stopped cleanly" wait_for 20 has_event ms1 30021 ""
check "the same with the server stopped (read from the database)" old_rows_read

finish

#!/usr/bin/env bash
# Multiple management servers, one management group, as real processes on loopback: ms1 and ms2
# share one database (a SQLite file, or PostgreSQL when ctest runs the postgres variant); gw1
# and gw2 report to them; agent1 reports to gw1 with gw2 as its failover. Kill -9 the primary
# server: the gateway continues through ms2 (21015); restart it: failback (21019). The same for
# the agent between its gateways. A topology change reaches the node with its state cookie
# (21025) without dropping its connection; the orphan guard refuses a change that would strand
# a node. Every process is stopped by its PID; every wait is bounded (never a speed assertion).
# backends: sqlite postgres (the database is part of what this tests; see CMakeLists.txt)
source "$(dirname "$0")/lib.sh"
cd "$TMP"
inventory_has() {  # inventory_has FQDN HEALTH PARENT MANAGEMENT_SERVER (through any server)
  local config
  for config in ms1.toml ms2.toml; do
    inventory_is "$config" "$1" health="$2" parent="$3" management_server="$4" && return 0
  done
  return 1
}
status_has() { "$OUTPOST" status --config "$1.toml" --json | tr -d ' \n' | grep -qF -- "$2"; }
parent_is() {  # parent_is NODE PARENT PRIMARY(true|false)
  status_has "$1" "\"parent\":{\"address\":" &&
    "$OUTPOST" status --config "$1.toml" --json | tr -d ' \n' |
    grep -qE "\"parent\":\{[^}]*\"fqdn\":\"$2\"[^}]*\"primary\":$3"
}

computers "Failover Test CA" ms1 ms2 gw1 gw2 agent1
db="$(database_url operations)"
hosts='"ms1.lab.test" = "127.0.0.1"
"ms2.lab.test" = "127.0.0.1"
"gw1.lab.test" = "127.0.0.1"
"gw2.lab.test" = "127.0.0.1"'
server_config() {  # server_config NAME PORT
  cat >"$1.toml" <<TOML
[node]
fqdn = "$1.lab.test"
management_group = "LAB"
state_dir = "$1"
[listen]
address = "127.0.0.1"
port = $2
[database]
url = "$db"
[admission]
agents = "auto"
[heartbeat]
interval_s = 1
missed_allowed = 2
TOML
}
start() {  # start NAME ROLE: runs the daemon, its PID in NAME_pid
  "$OUTPOST" "$2" --config "$1.toml" 2>>"$1.err" &
  pids+=($!)
  printf -v "$1_pid" %s "$!"
}

server_config ms1 0
start ms1 server
wait_for 30 has_event ms1 30020 listens
p1="$(port_of ms1)"
server_config ms1 "$p1"  # the same port after a restart
server_config ms2 0
start ms2 server
wait_for 30 has_event ms2 30020 listens
p2="$(port_of ms2)"
check "two management servers share one database" \
  bash -c "'$OUTPOST' inventory --config ms1.toml --json | grep -q ms2.lab.test"

gateway_config() {  # gateway_config NAME
  cat >"$1.toml" <<TOML
[node]
fqdn = "$1.lab.test"
management_group = "LAB"
state_dir = "$1"
[listen]
address = "127.0.0.1"
port = ${2:-0}
[parents]
servers = ["ms1.lab.test:$p1", "ms2.lab.test:$p2"]
[heartbeat]
interval_s = 1
[failover]
dead_peer_timeout_s = 3
failback_interval_s = 2
[hosts]
$hosts
TOML
}
for g in gw1 gw2; do
  "$OUTPOST" gateway approve --config ms1.toml --gateway "$g.lab.test" >/dev/null
  gateway_config "$g"
  start "$g" gateway
  wait_for 30 has_event "$g" 30020 listens
done
g1="$(port_of gw1)"
g2="$(port_of gw2)"
gateway_config gw1 "$g1"
cat >agent1.toml <<TOML
$(node_section agent1)
[parents]
servers = ["gw1.lab.test:$g1", "gw2.lab.test:$g2"]
[heartbeat]
interval_s = 1
[failover]
dead_peer_timeout_s = 3
failback_interval_s = 2
[hosts]
$hosts
TOML
start agent1 agent
check "gw1 is healthy through ms1" wait_for 60 inventory_has gw1.lab.test healthy ms1.lab.test ms1.lab.test
check "agent1 is healthy through gw1, reaching the group through ms1" \
  wait_for 60 inventory_has agent1.lab.test healthy gw1.lab.test ms1.lab.test
check "first configuration: 21023 then 21025 on the agent" \
  wait_for 30 has_event agent1 21025 "New configuration received"
check "status: gw1's parent is ms1, its primary" parent_is gw1 ms1.lab.test true

# --- kill -9 the primary server: gw1 continues through ms2, then fails back
kill -9 "$ms1_pid"
check "gw1 fails over to ms2 (21015)" \
  wait_for 60 has_event gw1 21015 "communication resumes through ms2.lab.test"
check "status: gw1's parent is ms2, not the primary" parent_is gw1 ms2.lab.test false
check "gw1 is healthy through ms2 in the inventory" \
  wait_for 30 inventory_has gw1.lab.test healthy ms2.lab.test ms2.lab.test
check "agent1 stays healthy through gw1, now reaching the group through ms2" \
  wait_for 30 inventory_has agent1.lab.test healthy gw1.lab.test ms2.lab.test
start ms1 server
check "ms1 restarted on its port" wait_for 30 test "$(port_of ms1)" = "$p1"
check "gw1 fails back to ms1 (21019)" wait_for 60 has_event gw1 21019 "Failed back to the primary parent ms1.lab.test"
check "status: gw1's parent is ms1 again, the primary" wait_for 30 parent_is gw1 ms1.lab.test true

# --- the agent between its gateways
kill -9 "$gw1_pid"
check "agent1 fails over to gw2 (21015)" \
  wait_for 60 has_event agent1 21015 "communication resumes through gw2.lab.test"
check "agent1 is healthy through gw2" \
  wait_for 30 inventory_has agent1.lab.test healthy gw2.lab.test ms1.lab.test
start gw1 gateway
check "agent1 fails back to gw1 (21019)" \
  wait_for 60 has_event agent1 21019 "Failed back to the primary parent gw1.lab.test"
check "agent1 is healthy through gw1 again" \
  wait_for 30 inventory_has agent1.lab.test healthy gw1.lab.test ms1.lab.test

# --- a topology change reaches the node without dropping its connection
wait_for 30 parent_is agent1 gw1.lab.test true
since="$("$OUTPOST" status --config agent1.toml --json | grep '"since"')"
out="$("$OUTPOST" agent set-parent --config ms2.toml --agent agent1.lab.test \
  --primary "gw1.lab.test:$g1" --failover "gw2.lab.test:$g2" 2>&1)"
cookie="$(sed -n 's/.*(state cookie \([0-9a-f]*\)).*/\1/p' <<<"$out")"
check "set-parent names the new state cookie" test "${#cookie}" -eq 64
check "the agent logs 21025 with that cookie (through its gateway)" \
  wait_for 30 has_event agent1 21025 "$cookie"
check "and its connection was not dropped" \
  test "$("$OUTPOST" status --config agent1.toml --json | grep '"since"')" = "$since"
check "status shows the received configuration" status_has agent1 "\"cookie\":\"$cookie\""
check "the configuration is kept on disk" grep -q "gw2.lab.test:$g2" agent1/configuration.toml

# --- a new primary: gw2's configuration makes ms2 its primary; it moves there
"$OUTPOST" gateway set-failover --config ms1.toml --gateway gw2.lab.test \
  --primary "ms2.lab.test:$p2" --failover "ms1.lab.test:$p1" >/dev/null
check "gw2 receives the new configuration (21025)" \
  wait_for 30 has_event gw2 21025 "parents: ms2.lab.test:$p2, ms1.lab.test:$p1"
check "gw2 moves to its new primary ms2" wait_for 60 parent_is gw2 ms2.lab.test true

# --- the orphan guard
kill -9 "$gw2_pid"
wait_for 30 inventory_has gw2.lab.test heartbeat_failure ms2.lab.test ms2.lab.test
expect_fail "orphan guard: a stopped gateway as the only parent is refused" "would orphan" \
  "$OUTPOST" agent set-parent --config ms1.toml --agent agent1.lab.test --primary "gw2.lab.test:$g2"
check "the refusal is in ms1's event log (30094)" has_event ms1 30094 "would orphan"
expect_fail "an unknown parent is refused" "is not a known gateway or management server" \
  "$OUTPOST" agent set-parent --config ms1.toml --agent agent1.lab.test --primary gw9.lab.test
check "--force overrides the guard" "$OUTPOST" agent set-parent --config ms1.toml \
  --agent agent1.lab.test --primary "gw2.lab.test:$g2" --failover "gw1.lab.test:$g1" --force
expect_fail "a server that has not started yet is refused without --force, naming --force" \
  "for a server that has not started yet, pass --force" \
  "$OUTPOST" gateway set-failover --config ms1.toml --gateway gw1.lab.test \
  --primary "ms1.lab.test:$p1" --failover ms9.lab.test
forced="$("$OUTPOST" gateway set-failover --config ms1.toml --gateway gw1.lab.test \
  --primary "ms1.lab.test:$p1" --failover ms9.lab.test --force 2>&1)" || forced="FAILED: $forced"
check "with --force a server about to start is taken, with a warning" \
  contains "$forced" "ms9.lab.test is not known to the group yet"
check "and the change is made" contains "$forced" "failover ms9.lab.test:5723"
expect_fail "--force never takes a known computer of the wrong role (an agent as a server)" \
  "agent1.lab.test is not a known management server" \
  "$OUTPOST" gateway set-failover --config ms1.toml --gateway gw1.lab.test \
  --primary "ms1.lab.test:$p1" --failover agent1.lab.test --force
finish

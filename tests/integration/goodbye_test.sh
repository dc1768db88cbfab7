#!/usr/bin/env bash
# A gateway or agent stopped on purpose (SIGTERM) tells its parent (Goodbye): the management
# server shows it stopped at once, not after the heartbeat timeout (here 4 x 30 s), and the
# agents behind a stopped gateway unreachable at once. An agent behind a gateway says goodbye
# through it. A gateway stopped with SIGKILL says nothing: it stays healthy until the timeout.
source "$(dirname "$0")/lib.sh"
cd "$TMP"

TEST_AGENT="${OUTPOST_TEST_AGENT:?set by tests/integration/CMakeLists.txt}"
computers "Goodbye Test CA" ms1 gw1 agent1 agent2 agent3 forger
cat >ms1.toml <<TOML
$(node_section ms1)
$(listen_section)
[database]
url = "sqlite://$TMP/ms1.db"
[admission]
agents = "auto"
[heartbeat]
interval_s = 30
missed_allowed = 3
TOML
start_daemon server ms1
ms_port="$(listening_port ms1)"

"$OUTPOST" gateway approve --config ms1.toml --gateway gw1.lab.test >/dev/null
cat >gw1.toml <<TOML
$(node_section gw1)
$(listen_section)
$(parent_sections ms1 "$ms_port")
TOML
start_daemon gateway gw1
gw_pid=$daemon_pid
check "gw1 is admitted" wait_for 60 has_event gw1 30022 "Connected to ms1.lab.test"
gw_port="$(port_of gw1)"

start_agent() {  # start_agent NAME PARENT PORT: runs NAME with PARENT as its parent; sets $agent_pid
  cat >"$1.toml" <<TOML
$(node_section "$1")
$(parent_sections "$2" "$3")
TOML
  start_daemon agent "$1"
  agent_pid=$daemon_pid
}
start_agent agent1 gw1 "$gw_port"
start_agent agent2 gw1 "$gw_port"
agent2_pid=$agent_pid
start_agent agent3 ms1 "$ms_port"
agent3_pid=$agent_pid
healthy() { inventory_is ms1.toml "$1.lab.test" health=healthy parent="$2.lab.test"; }
check "agent1 and agent2 report through gw1" wait_for 60 eval "healthy agent1 gw1 && healthy agent2 gw1"
check "agent3 reports to ms1 directly" wait_for 60 healthy agent3 ms1

# An agent may say goodbye only for itself: one that says it for agent1 is disconnected by the
# gateway, and agent1 stays healthy.
cat >forger.toml <<TOML
$(node_section forger)
$(parent_sections gw1 "$gw_port")
TOML
rc=0
"$TEST_AGENT" --config forger.toml --goodbye-as agent1.lab.test --wait-s 30 >forger.out 2>&1 || rc=$?
check "a goodbye in another agent's name: the gateway closes the connection" \
  test "$rc-$(grep -c '^closed:' forger.out)" = "2-1"
check "  ... and says why" wait_for 20 has_event gw1 30023 \
  "forger.lab.test said goodbye for agent1.lab.test"
check "  ... agent1 stays healthy through gw1" healthy agent1 gw1

# Well inside the 120 s heartbeat timeout: only a Goodbye can explain these.
stopped() { inventory_is ms1.toml "$1.lab.test" health=heartbeat_failure parent=; }
kill -TERM "$agent2_pid"
check "agent2 stopped behind gw1: heartbeat_failure at once (relayed goodbye)" wait_for 20 stopped agent2
check "  ... the server logged it" wait_for 10 has_event ms1 30023 "Agent agent2.lab.test stopped (relayed by gateway gw1.lab.test)"
check "  ... agent1 stays healthy" healthy agent1 gw1
kill -TERM "$agent3_pid"
check "agent3 stopped: heartbeat_failure at once" wait_for 20 stopped agent3
check "  ... the server says it said goodbye (20022)" wait_for 20 has_event ms1 20022 \
  "agent agent3.lab.test is not heartbeating: its service stopped"

kill -TERM "$gw_pid"
exited() { ! kill -0 "$gw_pid" 2>/dev/null; }
check "gw1 exits within seconds of SIGTERM" wait_for 10 exited
check "gw1 stopped: heartbeat_failure at once" wait_for 20 stopped gw1
check "agent1 behind the stopped gw1 is unreachable at once" \
  wait_for 20 inventory_is ms1.toml agent1.lab.test health=unreachable
check "  ... 20023 names gw1" wait_for 20 has_event ms1 20023 "agent1.lab.test is not reachable due to its gateway gw1.lab.test"
json="$("$OUTPOST" doctor --config ms1.toml --computer gw1.lab.test --json || true)"
check "doctor --computer gw1: not connected, stopped on purpose" \
  contains "$(jq -r '.checks[] | select(.check == 4) | .evidence' <<<"$json")" "stopped on purpose"
json="$("$OUTPOST" doctor --config ms1.toml --computer agent1.lab.test --json || true)"
check "doctor --computer agent1: unreachable through gw1 (WARN 20023)" \
  test "$(jq -r '.checks[] | select(.check == 4) | "\(.status) \(.event)"' <<<"$json")" = "WARN 20023"

# Back: the restarted gateway is healthy again; then SIGKILL says nothing (the timeout decides).
start_daemon gateway gw1
gw_pid=$daemon_pid
check "gw1 restarted is healthy again" wait_for 60 inventory_is ms1.toml gw1.lab.test \
  health=healthy parent=ms1.lab.test
kill -KILL "$gw_pid"
check "the server saw gw1's connection close" \
  wait_for 60 has_event ms1 30023 "connection of gateway gw1.lab.test closed: the peer closed"
check "gw1 killed (no goodbye) stays healthy until the heartbeat timeout" \
  inventory_is ms1.toml gw1.lab.test health=healthy parent=ms1.lab.test
finish

#!/usr/bin/env bash
# Finding 8 of issue 11: what an authenticated peer can make a gateway hold is bounded. An approved
# agent (the test client, tests/tools/test_agent.cpp) sends twenty frames of 15 MiB while the
# management server is stopped (SIGSTOP, as a server that does not keep up). The gateway stops
# reading from its agents once a quarter of [limits] session_max_buffered_mb waits for the server
# (30081, "agents_held_back" in its status) instead of buffering everything; its peak RSS grows by
# far less than the 300 MiB sent. When the server runs again the gateway resumes (30082) and every
# frame reaches the server and is acknowledged: nothing is lost. (The items are larger than an
# item may be, so the server refuses each with 30052 and acknowledges it: no 300 MiB database.)
# Settings whose budget is below one connection's are refused at start.
source "$(dirname "$0")/lib.sh"
TEST_AGENT="${OUTPOST_TEST_AGENT:?set by tests/integration/CMakeLists.txt}"
cd "$TMP"
kib() { sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status"; }

computers "Gateway Memory Test CA" ms1 gw1 agent1
cat >ms1.toml <<TOML
$(node_section ms1)
$(listen_section)
[database]
url = "sqlite://$TMP/ms1.db"
[admission]
agents = "auto"
TOML
"$OUTPOST" server --config ms1.toml 2>ms1.err &
ms_pid=$!
pids+=("$ms_pid")
wait_for 30 has_event ms1 30020 listens
ms_port="$(port_of ms1)"

cat >gw1.toml <<TOML
$(node_section gw1)
$(listen_section)
$(parent_sections ms1 "$ms_port")
[failover]
dead_peer_timeout_s = 120
TOML
"$OUTPOST" gateway approve --config ms1.toml --gateway gw1.lab.test >/dev/null
# The sanitizer keeps freed memory in quarantine (256 MiB by default), which would hide what the
# gateway gives back; a small quarantine still catches use after free.
ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=8" "$OUTPOST" gateway --config gw1.toml 2>gw1.err &
gw_pid=$!
pids+=("$gw_pid")
check "gw1 is admitted" wait_for 60 has_event gw1 30022 "Connected to ms1.lab.test"
gw_port="$(port_of gw1)"
cat >agent1.toml <<TOML
$(node_section agent1)
$(parent_sections gw1 "$gw_port")
TOML

rss_before="$(kib "$gw_pid" VmRSS)"
"$TEST_AGENT" --config agent1.toml --big-frames 20 --frame-bytes $((15 * 1024 * 1024)) \
  --hold-s 5 --wait-s 240 >agent1.out 2>&1 &
agent_pid=$!
pids+=("$agent_pid")
check "agent1 is admitted through gw1" wait_for 60 has_event gw1 30022 "Admitted agent agent1"
kill -STOP "$ms_pid"
check "gw1 holds its agents back while the server does not read (30081)" \
  wait_for 60 has_event gw1 30081 "stops reading from its"
held_back() { "$OUTPOST" status --config gw1.toml --json | jq -e '.buffers.agents_held_back'; }
check "outpost status shows the agents held back" held_back
sleep 2
kill -CONT "$ms_pid"
agent_rc=0
wait "$agent_pid" || agent_rc=$?
check "every frame reached the server and was acknowledged (the agent's last seq)" \
  test "$agent_rc" -eq 0
check "gw1 reads from its agents again (30082)" \
  wait_for 60 has_event gw1 30082 "reads from its agents again"
refused() { test "$("$OUTPOST" events --state ms1 --id 30052 --json | jq length)" -eq 20; }
check "the server saw each of the 20 frames (30052 for each oversized item)" wait_for 30 refused
hwm="$(kib "$gw_pid" VmHWM)"
echo "# gw1 RSS before ${rss_before} kB, peak ${hwm} kB (sent: 300 MiB)"
check "gw1's peak RSS grew by less than 160 MiB while 300 MiB passed through it" \
  test $((hwm - rss_before)) -lt $((160 * 1024))
check "gw1 and ms1 are still running" kill -0 "$gw_pid" "$ms_pid"

cat >bad.toml <<TOML
$(node_section gw1)
[limits]
session_max_buffered_mb = 64
daemon_max_buffered_mb = 32
TOML
expect_fail "a daemon budget below one connection's is refused" \
  "daemon_max_buffered_mb (32) is smaller than session_max_buffered_mb (64)" \
  "$OUTPOST" gateway --config bad.toml
sed 's/= 64/= 8/' bad.toml >small.toml
expect_fail "a connection budget below one frame is refused" "session_max_buffered_mb" \
  "$OUTPOST" gateway --config small.toml
finish

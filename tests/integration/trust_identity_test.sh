#!/usr/bin/env bash
# Identity at the trust boundary (docs/security.md), as real processes on loopback:
# - an approved gateway is bound to the key it first connected with: a second certificate for
#   gw1 (another key, same CA) is refused with both fingerprints (30093) until
#   `gateway approve --rebind`;
# - agents behind a gateway are verified by the management server itself (their chain, and a
#   signature over the server's challenge made with their key), so a compromised gw1 (its real
#   certificate and key, tests/tools/rogue_gateway.cpp) can neither keep a stopped agent alive
#   with forged heartbeats, nor store data for it, nor get an agent it cannot prove admitted, nor
#   put junk names into `agent pending`.
# SQLite only: the key binding of both backends is covered by the storage unit tests.
source "$(dirname "$0")/lib.sh"
cd "$TMP"
ROGUE="${OUTPOST_ROGUE_GATEWAY:?set by tests/integration/CMakeLists.txt}"
healthy() { inventory_is ms1.toml "$1" health="$2"; }
not_healthy() { ! inventory_is ms1.toml "$1" health=healthy; }

computers "Trust Test CA" ms1 gw1 agent1 agent2
cat >ms1.toml <<TOML
$(node_section ms1)
[listen]
address = "127.0.0.1"
port = 0
[database]
url = "sqlite://$TMP/ms1.db"
[admission]
agents = "review"
[heartbeat]
interval_s = 1
missed_allowed = 2
TOML
"$OUTPOST" server --config ms1.toml 2>ms1.err &
pids+=($!)
wait_for 30 has_event ms1 30020 listens
ms_port="$(port_of ms1)"
gateway_config() {  # gateway_config STATE_DIR: gw1's configuration with its state in STATE_DIR
  cat <<TOML
[node]
fqdn = "gw1.lab.test"
management_group = "LAB"
state_dir = "$1"
[listen]
address = "127.0.0.1"
port = 0
[parents]
servers = ["ms1.lab.test:$ms_port"]
[heartbeat]
interval_s = 1
[hosts]
"ms1.lab.test" = "127.0.0.1"
TOML
}
gateway_config gw1 >gw1.toml
"$OUTPOST" gateway approve --config ms1.toml --gateway gw1.lab.test >/dev/null
"$OUTPOST" gateway --config gw1.toml 2>gw1.err &
gw_pid=$!
pids+=("$gw_pid")
check "gw1 is admitted" wait_for 60 has_event gw1 30022 "Connected to ms1.lab.test"
check "and bound to its key (30092)" wait_for 30 has_event ms1 30092 "Gateway gw1.lab.test is now bound"

# --- a second certificate for gw1, with another key: refused until --rebind
install -d -m 700 gw1b
"$OUTPOST" ca issue --dir ca --fqdn gw1.lab.test --out issued2 >/dev/null
"$OUTPOST" cert trust --state "$PWD/gw1b" ca/ca.crt >/dev/null
"$OUTPOST" cert import --state "$PWD/gw1b" --fqdn gw1.lab.test \
  --cert issued2/gw1.lab.test.crt --key issued2/gw1.lab.test.key >/dev/null
gateway_config gw1b >gw1b.toml
"$OUTPOST" gateway --config gw1b.toml 2>gw1b.err &
gw1b_pid=$!
pids+=("$gw1b_pid")
check "another key for gw1 is refused with 30093" \
  wait_for 60 has_event ms1 30093 "is not the key its approval is bound to"
check "the refused gateway hears why, and how to rebind" \
  wait_for 30 has_event gw1b 20070 "--rebind"
check "gateway approve --rebind" \
  "$OUTPOST" gateway approve --config ms1.toml --gateway gw1.lab.test --rebind
check "the new key is admitted after --rebind" \
  wait_for 60 has_event gw1b 30022 "Connected to ms1.lab.test"
kill "$gw1b_pid" "$gw_pid"
wait "$gw1b_pid" "$gw_pid" 2>/dev/null || true
"$OUTPOST" gateway approve --config ms1.toml --gateway gw1.lab.test --rebind >/dev/null
"$OUTPOST" gateway --config gw1.toml 2>>gw1.err &
gw_pid=$!
pids+=("$gw_pid")
bound_three_times() { test "$("$OUTPOST" events --state ms1 --id 30092 | grep -c 'gw1.lab.test')" -ge 3; }
check "gw1's own key is bound again after another --rebind" wait_for 60 bound_three_times
check "and gw1 is back" wait_for 60 healthy gw1.lab.test healthy

# --- an agent behind gw1 is verified by the server itself
gw_port="$(port_of gw1)"
cat >agent1.toml <<TOML
$(node_section agent1)
[parents]
servers = ["gw1.lab.test:$gw_port"]
[heartbeat]
interval_s = 1
[hosts]
"gw1.lab.test" = "127.0.0.1"
TOML
"$OUTPOST" agent --config agent1.toml 2>agent1.err &
agent_pid=$!
pids+=("$agent_pid")
check "agent1 proves its key and waits for approval" \
  wait_for 60 has_event ms1 20000 "refused agent agent1.lab.test through gateway gw1.lab.test"
"$OUTPOST" agent approve agent1.lab.test --config ms1.toml >/dev/null
check "approved, it is admitted with its key verified by the server" \
  wait_for 60 has_event ms1 30022 "its certificate and key verified by this server"
check "agent1 is healthy" wait_for 30 healthy agent1.lab.test healthy
sleep 5  # several liveness challenges, answered by the agent through the gateway
check "liveness challenges keep it healthy" healthy agent1.lab.test healthy
check "no proof was refused so far" bash -c "! '$OUTPOST' events --state ms1 --id 30090 | grep -q ."

# --- gw1 is compromised: the attacker has its certificate and key; agent1 is gone (killed: no
# goodbye, so the server still has it last seen through gw1)
kill -KILL "$agent_pid" "$gw_pid"
wait "$agent_pid" "$gw_pid" 2>/dev/null || true
check "agent1 is no longer healthy once it and gw1 stop" wait_for 60 not_healthy agent1.lab.test
"$ROGUE" --config gw1.toml --server "127.0.0.1:$ms_port" --agent agent1.lab.test \
  --chain-of agent2.lab.test issued/agent2.lab.test.crt --seconds 15 >rogue.out 2>&1 &
rogue_pid=$!
pids+=("$rogue_pid")
check "the rogue is admitted as gw1 (it has gw1's key)" \
  wait_for 30 grep -q 'admitted as gw1.lab.test' rogue.out
check "its own heartbeats count: gw1 is healthy" wait_for 12 healthy gw1.lab.test healthy
check "while agent1, whose heartbeats it forges, is not" not_healthy agent1.lab.test
check "the rogue gateway finishes" wait_for 60 grep -q '^done' rogue.out
check "its forged heartbeats for agent1 were answered with a challenge" \
  grep -q 'challenge for agent1.lab.test query 0' rogue.out
check "agent1 is not healthy under 15 s of forged heartbeats" not_healthy agent1.lab.test
check "a goodbye forged in agent1's name changed nothing (still last seen through gw1)" \
  inventory_is ms1.toml agent1.lab.test parent=gw1.lab.test
check "nothing the rogue sent for agent1 was stored" \
  bash -c "! '$OUTPOST' events --config ms1.toml --computer agent1.lab.test | grep -q 'rogue gateway'"
check "nor acknowledged" bash -c "! grep -q '^ack agent1.lab.test' rogue.out"
check "an admission query with a junk name is refused (30015)" \
  has_event ms1 30015 "'not a name!', which is not a computer name"
check "so is a 300-character name" has_event ms1 30015 "aaaaaaaa'..."
check "agent2's real certificate without its key: challenged" \
  grep -q 'challenge for agent2.lab.test query 3' rogue.out
check "and the forged proof refused (30090)" \
  has_event ms1 30090 "agent agent2.lab.test through gateway gw1.lab.test was refused"
check "the rogue was told no for every query" \
  test "$(grep -c 'admitted 0' rogue.out)" -ge 3
pending="$("$OUTPOST" agent pending --config ms1.toml --json)"
check "agent pending holds no junk and not agent2" \
  test "$(jq 'length' <<<"$pending")" = 0
check "the server is still up" "$OUTPOST" status --config ms1.toml
finish

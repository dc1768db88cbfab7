#!/usr/bin/env bash
# A management server and agents as real processes on loopback: admission by policy with events
# on both sides, approval without a restart, heartbeats in the inventory, a killed agent turning
# heartbeat_failure, and refusals for a wrong group, an untrusted CA and a client without a
# certificate. Every process is stopped by its PID; every wait is bounded.
# backends: sqlite postgres (the database is part of what this tests; see CMakeLists.txt)
source "$(dirname "$0")/lib.sh"
cd "$TMP"


"$OUTPOST" ca init --dir ca --name "Daemons Test CA" --key ec256 >/dev/null
"$OUTPOST" ca init --dir stranger --name "Stranger CA" --key ec256 >/dev/null
node() {  # node NAME [CA]: a certificate from CA (default ours), trusted and imported
  local ca="${2:-ca}"
  "$OUTPOST" ca issue --dir "$ca" --fqdn "$1.lab.test" --out "issued-$ca" >/dev/null
  "$OUTPOST" cert trust --state "$PWD/$1" ca/ca.crt >/dev/null
  "$OUTPOST" cert trust --state "$PWD/$1" "$ca/ca.crt" >/dev/null
  "$OUTPOST" cert import --state "$PWD/$1" --fqdn "$1.lab.test" \
    --cert "issued-$ca/$1.lab.test.crt" --key "issued-$ca/$1.lab.test.key" >/dev/null
}
for n in ms1 agent1 agent2 agent3 agent4; do node "$n"; done

db_url="$(database_url ms1)"
cat >ms1.toml <<TOML
$(node_section ms1)
[listen]
address = "127.0.0.1"
port = 0
[database]
url = "$db_url"
[admission]
agents = "review"
[heartbeat]
interval_s = 1
missed_allowed = 2
TOML
"$OUTPOST" server --config ms1.toml 2>ms1.err &
server_pid=$!
pids+=("$server_pid")
check "the server starts and logs 30020" wait_for 30 has_event ms1 30020 "listens on"
port="$(port_of ms1)"
check "the server's port is in its event ($port)" test -n "$port"

agent_config() {  # agent_config NAME GROUP
  cat >"$1.toml" <<TOML
[node]
fqdn = "$1.lab.test"
management_group = "${2:-LAB}"
state_dir = "$1"
[parents]
servers = ["ms1.lab.test:$port"]
[heartbeat]
interval_s = 1
[hosts]
"ms1.lab.test" = "127.0.0.1"
TOML
}
start_agent() {
  agent_config "$1" "${2:-LAB}"
  "$OUTPOST" agent --config "$1.toml" 2>"$1.err" &
  pids+=($!)
  eval "${1}_pid=$!"
}

# --- review: pending with events on both sides, then approved without a restart
start_agent agent1
check "review: the server logs 20000 for the pending agent" \
  wait_for 30 has_event ms1 20000 "agent1.lab.test is pending approval"
check "review: the agent logs 20070 with the server's reason" \
  wait_for 30 has_event agent1 20070 "REJECT_PENDING_APPROVAL"
check "review: outpost agent pending lists it" \
  contains "$("$OUTPOST" agent pending --config ms1.toml)" "agent1.lab.test"
check "review: outpost agent approve" "$OUTPOST" agent approve agent1.lab.test --config ms1.toml
healthy() { inventory_is ms1.toml "$1" health="$2"; }
check "review: the approved agent is admitted (30022 on both sides)" \
  wait_for 60 has_event ms1 30022 "Admitted agent agent1.lab.test"
check "review: it turns healthy in the inventory" wait_for 30 healthy agent1.lab.test healthy
inventory="$("$OUTPOST" inventory --config ms1.toml --json | tr -d ' \n')"
check "inventory: agent1 is connected through ms1" contains "$inventory" '"parent":"ms1.lab.test"'
check "inventory: the server lists itself" contains "$inventory" '"role":"management_server"'

# --- a killed agent turns heartbeat_failure
kill -9 "$agent1_pid"
check "a killed agent turns heartbeat_failure" wait_for 30 healthy agent1.lab.test heartbeat_failure
check "the server logs the closed connection (30023)" wait_for 30 has_event ms1 30023 agent1.lab.test

# --- reject: an operator's rejection holds
start_agent agent2
wait_for 30 has_event ms1 20000 agent2.lab.test
"$OUTPOST" agent reject agent2.lab.test --config ms1.toml >/dev/null
check "reject: the agent is told it is rejected" \
  wait_for 60 has_event agent2 20070 "REJECT_REJECTED"
kill "$agent2_pid"

# --- rejecting an admitted agent ends its live connection
start_agent agent4
wait_for 30 has_event ms1 20000 agent4.lab.test
"$OUTPOST" agent approve agent4.lab.test --config ms1.toml >/dev/null
check "live reject: agent4 is admitted first" wait_for 60 healthy agent4.lab.test healthy
"$OUTPOST" agent reject agent4.lab.test --config ms1.toml >/dev/null
check "live reject: the agent is told at once that it was rejected" \
  wait_for 30 has_event agent4 20070 "agent4.lab.test was rejected by an operator"
check "live reject: the server logged it" \
  wait_for 30 has_event ms1 20000 "agent agent4.lab.test was rejected by an operator"
kill "$agent4_pid"

# --- a name registered as a gateway is never admitted as an agent
"$OUTPOST" gateway approve --config ms1.toml --gateway agent3.lab.test >/dev/null
"$OUTPOST" gateway remove --config ms1.toml --gateway agent3.lab.test >/dev/null
expect_fail "gateway remove does not remove an agent" "is an agent, not a gateway" \
  "$OUTPOST" gateway remove --config ms1.toml --gateway agent4.lab.test

# --- wrong management group
start_agent agent3 OTHER
check "wrong group: the server logs 20001 with both groups" \
  wait_for 30 has_event ms1 20001 "asked for management group 'OTHER', but this is 'LAB'"
check "wrong group: the agent logs 20070" wait_for 30 has_event agent3 20070 "REJECT_WRONG_MANAGEMENT_GROUP"
kill "$agent3_pid"

# --- a certificate from an untrusted CA
node rogue stranger  # trusts both CAs, so it trusts the server; the server does not trust it
start_agent rogue
check "untrusted CA: the server refuses it during TLS (20002, cause 20072)" \
  wait_for 30 has_event ms1 20002 "(cause 20072): the peer's certificate"
check "untrusted CA: the agent is told the server does not trust its issuer" \
  wait_for 30 has_event rogue 20071 "does not trust this node's certificate issuer"
kill "$rogue_pid"

# --- a TLS client without a certificate gets no application data
out="$(timeout 20 openssl s_client -connect "127.0.0.1:$port" -alpn outpost/1 -tls1_3 \
  -CAfile ca/ca.crt </dev/null 2>&1 || true)"
check "no certificate: the server logs the refusal" \
  wait_for 30 has_event ms1 20002 "a certificate is required"

# --- clean stop
kill -TERM "$server_pid"
rc=0
wait "$server_pid" || rc=$?
check "SIGTERM stops the server with exit code 0" test "$rc" -eq 0
check "and it logs 30021" has_event ms1 30021 "stopped"
finish

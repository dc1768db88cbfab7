#!/usr/bin/env bash
# Agents behind a gateway, as real processes on loopback: an unapproved gateway is refused with
# events on both sides and admitted after `gateway approve` without a restart; the gateway asks
# the server about its agents (review: pending, then approve); the agent is healthy through gw1
# in the inventory; a killed gateway turns heartbeat_failure and its agent unreachable, with one
# heartbeat alert, the gateway's. Every process is stopped by its PID; every wait is bounded.
source "$(dirname "$0")/lib.sh"
cd "$TMP"
healthy() { inventory_is ms1.toml "$1" health="$2" parent="$3"; }

computers "Gateway Test CA" ms1 gw1 agent1
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
[alerts]
evaluation_interval_s = 1
TOML
"$OUTPOST" server --config ms1.toml 2>ms1.err &
pids+=($!)
wait_for 30 has_event ms1 30020 listens
ms_port="$(port_of ms1)"
cat >gw1.toml <<TOML
$(node_section gw1)
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
"$OUTPOST" gateway --config gw1.toml 2>gw1.err &
gw_pid=$!
pids+=("$gw_pid")
check "an unapproved gateway is refused: 20000 on the server" \
  wait_for 30 has_event ms1 20000 "gateway gw1.lab.test is not approved"
check "and 20070 on the gateway" wait_for 30 has_event gw1 20070 "REJECT_NOT_APPROVED"
check "gateway approve" "$OUTPOST" gateway approve --config ms1.toml --gateway gw1.lab.test
check "the gateway is admitted without a restart" \
  wait_for 60 has_event gw1 30022 "Connected to ms1.lab.test"
check "the gateway turns healthy" wait_for 30 healthy gw1.lab.test healthy ms1.lab.test

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
pids+=($!)
check "the server decides about the agent behind the gateway (pending)" \
  wait_for 30 has_event ms1 20000 "refused agent agent1.lab.test through gateway gw1.lab.test"
check "the agent hears the server's reason through the gateway" \
  wait_for 30 has_event agent1 20070 "REJECT_PENDING_APPROVAL"
check "a refusal is not 'no parent could be reached' (no 21016)" \
  bash -c "! '$OUTPOST' events --state agent1 --id 21016 | grep -q ."
"$OUTPOST" agent approve agent1.lab.test --config ms1.toml >/dev/null
check "approved, it is admitted through the gateway" \
  wait_for 60 has_event ms1 30022 "Admitted agent agent1.lab.test through gateway gw1.lab.test"
check "it is healthy through gw1 in the inventory" \
  wait_for 30 healthy agent1.lab.test healthy gw1.lab.test

check "the server logs 20021: agent1 is available through gw1" \
  wait_for 30 has_event ms1 20021 "agent1.lab.test is now available through the system gw1.lab.test"

# --- outpost status on each node, through its admin socket
status_has() { "$OUTPOST" status --config "$1.toml" --json | tr -d ' \n' | grep -qF -- "$2"; }
check "status: the agent's parent is gw1, its primary" \
  status_has agent1 '"fqdn":"gw1.lab.test","host":"gw1.lab.test","port":'"$gw_port"',"primary":true'
check "status: the gateway's parent is ms1, its primary" \
  status_has gw1 '"fqdn":"ms1.lab.test","host":"ms1.lab.test","port":'"$ms_port"',"primary":true'
check "status: the gateway lists agent1" status_has gw1 '"fqdn":"agent1.lab.test","role":"agent"'
check "status: the server lists gw1 as its child" \
  status_has ms1 '"fqdn":"gw1.lab.test","role":"gateway"'
check "status: text output names the parent" \
  bash -c "'$OUTPOST' status --config agent1.toml | grep -q 'parent       gw1.lab.test at gw1.lab.test:$gw_port (primary)'"
check "status admin socket is owner-only" test "$(stat -c %a gw1/admin.sock)" = 600

# --- SIGHUP reloads the configuration and the certificate without dropping connections
since_before="$("$OUTPOST" status --config agent1.toml --json | grep '"since"')"
kill -HUP "$gw_pid"
check "SIGHUP: the gateway logs 30024" wait_for 30 has_event gw1 30024 "connections stay up"
check "SIGHUP: the agent's connection was not dropped" \
  test "$("$OUTPOST" status --config agent1.toml --json | grep '"since"')" = "$since_before"
sed -i 's/^interval_s = 1$/interval_s = 0/' gw1.toml
kill -HUP "$gw_pid"
check "SIGHUP with a bad value: 30025 names the key, and the gateway goes on" \
  wait_for 30 has_event gw1 30025 "[heartbeat] interval_s"
sed -i 's/^interval_s = 0$/interval_s = 1/' gw1.toml
check "and the gateway is still up" status_has gw1 '"role":"gateway"'

# --- a rejection behind a gateway ends the agent's connection at the gateway
"$OUTPOST" agent reject agent1.lab.test --config ms1.toml >/dev/null
check "reject: the agent is told through the gateway" \
  wait_for 30 has_event agent1 20070 "agent1.lab.test was rejected by an operator"
check "reject: the gateway logs the withdrawal" \
  wait_for 30 has_event gw1 20000 "withdrew the admission of agent agent1.lab.test"
"$OUTPOST" agent approve agent1.lab.test --config ms1.toml >/dev/null
check "approved again, it comes back through gw1" \
  wait_for 90 status_has gw1 '"fqdn":"agent1.lab.test","role":"agent"'

# --- gateway remove disconnects the gateway; approve lets it back without a restart
check "gateway remove" "$OUTPOST" gateway remove --config ms1.toml --gateway gw1.lab.test
check "remove: the gateway is disconnected with the reason" \
  wait_for 30 has_event gw1 20070 "gateway gw1.lab.test was removed from management group LAB"
"$OUTPOST" gateway approve --config ms1.toml --gateway gw1.lab.test >/dev/null
check "re-approved, the gateway is healthy again" \
  wait_for 90 healthy gw1.lab.test healthy ms1.lab.test

kill -9 "$gw_pid"
check "a killed gateway turns heartbeat_failure" \
  wait_for 30 healthy gw1.lab.test heartbeat_failure ms1.lab.test
check "its agent turns unreachable" wait_for 30 healthy agent1.lab.test unreachable gw1.lab.test
check "the server logs 20022 for the gateway" \
  wait_for 30 has_event ms1 20022 "gateway gw1.lab.test is not heartbeating"
check "and 20023 for its agent" \
  wait_for 30 has_event ms1 20023 "agent agent1.lab.test is not reachable due to its gateway gw1.lab.test"
heartbeat_alerts() {
  "$OUTPOST" alerts list --config ms1.toml --json |
    jq -r '[.[] | select(.monitor == "heartbeat") | .computer] | join(",")'
}
only_the_gateway_alerted() { [ "$(heartbeat_alerts)" = gw1.lab.test ]; }
check "one heartbeat alert, for the gateway; none for the agent behind it" \
  wait_for 30 only_the_gateway_alerted
finish

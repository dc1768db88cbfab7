#!/usr/bin/env bash
# Server-initiated gateways, as real processes on loopback: a DMZ gateway with
# [parents] server_initiates = true only listens; after `gateway approve --server-initiates
# --address`, the management server dials it, and the channel is the same as a dialled one
# (heartbeats, agents admitted through it, status). Removing the approval stops the dialling.
source "$(dirname "$0")/lib.sh"
cd "$TMP"
healthy() { inventory_is ms1.toml "$1" health="$2" parent="$3"; }
status_has() { "$OUTPOST" status --config "$1.toml" --json | tr -d ' \n' | grep -qF -- "$2"; }

computers "Server Initiated Test CA" ms1 gw1 agent1
cat >ms1.toml <<TOML
$(node_section ms1)
[listen]
address = "127.0.0.1"
port = 0
[database]
url = "sqlite://$PWD/ms1/operations.db"
[admission]
agents = "auto"
[heartbeat]
interval_s = 1
missed_allowed = 2
[hosts]
"gw1.lab.test" = "127.0.0.1"
TOML
"$OUTPOST" server --config ms1.toml 2>ms1.err &
pids+=($!)
wait_for 30 has_event ms1 30020 listens
cat >gw1.toml <<TOML
$(node_section gw1)
[listen]
address = "127.0.0.1"
port = 0
[parents]
servers = ["ms1.lab.test"]
server_initiates = true
[heartbeat]
interval_s = 1
TOML
"$OUTPOST" gateway --config gw1.toml 2>gw1.err &
gw_pid=$!
pids+=("$gw_pid")
check "the gateway says it waits to be dialled" \
  wait_for 30 has_event gw1 30020 "waits to be dialled by ms1.lab.test"
gw_port="$(port_of gw1)"
check "approve --server-initiates" "$OUTPOST" gateway approve --config ms1.toml \
  --gateway gw1.lab.test --server-initiates --address "gw1.lab.test:$gw_port"
check "the server dials the gateway and the gateway admits it" \
  wait_for 60 has_event gw1 30022 "Management server ms1.lab.test connected"
check "the gateway's heartbeats make it healthy" \
  wait_for 30 healthy gw1.lab.test healthy ms1.lab.test
check "status: the gateway's parent is ms1" status_has gw1 '"fqdn":"ms1.lab.test"'
check "status: the server lists gw1 among its children" \
  status_has ms1 '"fqdn":"gw1.lab.test","role":"gateway"'
check "the gateway never dialled (no 21006)" \
  bash -c "! '$OUTPOST' events --state gw1 --id 21006 | grep -q ."

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
check "an agent behind the server-initiated gateway is admitted and healthy" \
  wait_for 60 healthy agent1.lab.test healthy gw1.lab.test

check "gateway remove" "$OUTPOST" gateway remove --config ms1.toml --gateway gw1.lab.test
check "the server stops dialling and the connection ends" \
  wait_for 30 has_event gw1 30023 "management server ms1.lab.test closed"
finish

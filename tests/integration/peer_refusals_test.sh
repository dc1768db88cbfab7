#!/usr/bin/env bash
# Refusals on a live port that the other daemon tests do not cover: an expired client
# certificate, a parent whose certificate is for another name, and a TLS 1.2 client against
# the TLS 1.3 default. Each is refused with its reason on both sides. Every process is stopped
# by its PID; every wait is bounded.
source "$(dirname "$0")/lib.sh"
cd "$TMP"

computers "Peer Refusals CA" ms1 agent1
openssl_ca oca "OpenSSL Test CA"
"$OUTPOST" cert trust --state "$PWD/ms1" oca/ca.crt >/dev/null  # so only expiry can fail
openssl_issue oca old.lab.test old computer rsa:2048 20200101000000Z 20210101000000Z

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
TOML
"$OUTPOST" server --config ms1.toml 2>ms1.err &
pids+=($!)
wait_for 30 has_event ms1 30020 listens
port="$(port_of ms1)"

# --- an expired client certificate
out="$(timeout 20 openssl s_client -ign_eof -connect "127.0.0.1:$port" -alpn outpost/1 -tls1_3 \
  -cert old.crt -key old.key -CAfile ca/ca.crt </dev/null 2>&1 || true)"
check "expired: the server refuses it during TLS (20002, cause 20072, expired)" \
  wait_for 30 has_event ms1 20002 "certificate has expired"
check "expired: the client is told (alert certificate expired)" contains "$out" "certificate expired"

# --- a parent whose certificate is for another name: the agent dials gw9 and ms1 answers
cat >agent1.toml <<TOML
$(node_section agent1)
[parents]
servers = ["gw9.lab.test:$port"]
[heartbeat]
interval_s = 1
[hosts]
"gw9.lab.test" = "127.0.0.1"
TOML
"$OUTPOST" agent --config agent1.toml 2>agent1.err &
agent_pid=$!
pids+=("$agent_pid")
check "another name: the agent refuses the parent's certificate (20072, hostname mismatch)" \
  wait_for 30 has_event agent1 20072 "hostname mismatch"
check "another name: the server logs that the agent refused its certificate (20002)" \
  wait_for 30 has_event ms1 20002 "the peer refused this node's certificate"
kill "$agent_pid"

# --- TLS 1.2 against the TLS 1.3 default
out="$(timeout 20 openssl s_client -connect "127.0.0.1:$port" -alpn outpost/1 -tls1_2 \
  -cert issued/agent1.lab.test.crt -key issued/agent1.lab.test.key -CAfile ca/ca.crt \
  </dev/null 2>&1 || true)"
check "TLS 1.2: the server logs no common version (20002)" \
  wait_for 30 has_event ms1 20002 "no TLS version in common"
check "TLS 1.2: the client is told (protocol version)" contains "$out" "protocol version"
finish

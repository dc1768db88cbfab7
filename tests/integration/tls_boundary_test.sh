#!/usr/bin/env bash
# Findings 7 and 9 of issue 11, on a real server, gateway-less: a client that offers no ALPN (or
# another protocol) is refused during TLS with 30074, one offering outpost/1 gets to the hello; a
# certificate issued by a second CA that bears the trusted root's name is reported as 30072 with
# both SHA-256 fingerprints and the advice to compare them out of band, by the accepting side
# (the server) and by the connecting side (an agent dialling a parent that shows such a chain).
# Every process is stopped by its PID; every wait is bounded.
source "$(dirname "$0")/lib.sh"
cd "$TMP"

computers "Boundary Test CA" ms1 agent1
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
port="$(port_of ms1)"
client() {  # client ARGS...: openssl s_client as agent1, the rest of the arguments added
  timeout 20 openssl s_client -connect "127.0.0.1:$port" -tls1_3 \
    -cert issued/agent1.lab.test.crt -key issued/agent1.lab.test.key -CAfile ca/ca.crt "$@" \
    </dev/null 2>&1 || true
}

# --- ALPN outpost/1 is required
out="$(client)"
check "no ALPN: the server refuses during TLS (30074)" \
  wait_for 30 has_event ms1 30074 "did not offer the Outpost protocol"
check "no ALPN: the client is told (no application protocol)" contains "$out" "no application protocol"
out="$(client -alpn http/1.1)"
check "another protocol: refused too" contains "$out" "no application protocol"
out="$(client -alpn outpost/1)"
check "ALPN outpost/1: TLS completes with the protocol selected" contains "$out" "ALPN protocol: outpost/1"
check "ALPN outpost/1: it gets to the hello (refused there for sending none)" \
  wait_for 30 has_event ms1 20071 "the peer closed the connection"

# --- a rogue root with the trusted root's name
"$OUTPOST" ca init --dir rogue --name "Boundary Test CA" --key ec256 >/dev/null
"$OUTPOST" ca issue --dir rogue --fqdn agent9.lab.test --out rogue-issued >/dev/null
"$OUTPOST" ca issue --dir rogue --fqdn ms9.lab.test --out rogue-issued >/dev/null
fingerprint() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//'; }
ours="$(fingerprint ca/ca.crt)"
theirs="$(fingerprint rogue/ca.crt)"
check "the two roots share the name but not the key" test "$ours" != "$theirs"
out="$(timeout 20 openssl s_client -connect "127.0.0.1:$port" -tls1_3 -alpn outpost/1 \
  -cert rogue-issued/agent9.lab.test.crt -key rogue-issued/agent9.lab.test.key \
  -cert_chain rogue/ca.crt -CAfile ca/ca.crt </dev/null 2>&1 || true)"
check "accepting side: 30072 with the trusted root's fingerprint" \
  wait_for 30 has_event ms1 30072 "$ours"
check "accepting side: and the peer's root fingerprint" has_event ms1 30072 "$theirs"
check "accepting side: the advice is to compare out of band" \
  has_event ms1 30072 "out of band"
check "no event advises trusting that root" \
  bash -c "! '$OUTPOST' events --state ms1 | grep -q \"trust the parent's CA\""

# The connecting side: agent1 dials a parent (openssl s_server) presenting the rogue chain.
rogue_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
openssl s_server -accept "127.0.0.1:$rogue_port" -tls1_3 -alpn outpost/1 -naccept 50 \
  -cert rogue-issued/ms9.lab.test.crt -key rogue-issued/ms9.lab.test.key \
  -cert_chain rogue/ca.crt -quiet </dev/null >rogue.out 2>&1 &
pids+=($!)
cat >agent1.toml <<TOML
$(node_section agent1)
[parents]
servers = ["ms9.lab.test:$rogue_port"]
[hosts]
"ms9.lab.test" = "127.0.0.1"
TOML
"$OUTPOST" agent --config agent1.toml 2>agent1.err &
pids+=($!)
check "connecting side: 30072 with both fingerprints" \
  wait_for 30 has_event agent1 30072 "$theirs"
check "connecting side: names the trusted root's fingerprint too" has_event agent1 30072 "$ours"
finish

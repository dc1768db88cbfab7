#!/usr/bin/env bash
# outpost doctor against real processes on loopback: a management server, and agents and a
# gateway broken one thing at a time. Each broken node's first FAIL must be the check that finds
# the problem, with the fix that repairs it; a healthy node passes with exit status 0; the
# server's --computer view shows one agent. Every process is stopped by its PID; every wait is
# bounded; doctor itself must finish in seconds even when the parent is missing.
source "$(dirname "$0")/lib.sh"
cd "$TMP"

"$OUTPOST" ca init --dir ca --name "Doctor Test CA" --key ec256 >/dev/null
"$OUTPOST" ca init --dir stranger --name "Stranger CA" --key ec256 >/dev/null
node() {  # node NAME [CA]: a certificate from CA (default ours), both CAs trusted, imported
  local ca="${2:-ca}"
  "$OUTPOST" ca issue --dir "$ca" --fqdn "$1.lab.test" --out "issued-$ca" >/dev/null
  "$OUTPOST" cert trust --state "$PWD/$1" ca/ca.crt >/dev/null
  "$OUTPOST" cert trust --state "$PWD/$1" "$ca/ca.crt" >/dev/null
  "$OUTPOST" cert import --state "$PWD/$1" --fqdn "$1.lab.test" \
    --cert "issued-$ca/$1.lab.test.crt" --key "issued-$ca/$1.lab.test.key" >/dev/null
}
for n in ms1 gw1 agent1 agent2 agent3 agent4; do node "$n"; done
node rogue stranger

cat >ms1.toml <<TOML
$(node_section ms1)
[listen]
address = "127.0.0.1"
port = 0
[database]
url = "sqlite://$PWD/ms1/operations.db"
[admission]
agents = "review"
[heartbeat]
interval_s = 1
missed_allowed = 2
[hosts]
"ms1.lab.test" = "127.0.0.1"
"agent1.lab.test" = "127.0.0.1"
TOML
"$OUTPOST" server --config ms1.toml 2>ms1.err &
pids+=($!)
wait_for 30 has_event ms1 30020 "listens on"
port="$(port_of ms1)"
check "the server runs on port $port" test -n "$port"

# config NAME [STATE [GROUP [PARENT [EXTRA]]]]: a node configuration (agent unless EXTRA adds
# [listen]); FQDN NAME.lab.test; the parent is ms1 on loopback through [hosts].
config() {
  local name="$1" state="${2:-$1}" group="${3:-LAB}" parent="${4:-ms1.lab.test:$port}"
  cat >"$state.toml" <<TOML
[node]
fqdn = "$name.lab.test"
management_group = "$group"
state_dir = "$state"
${5:-}
[parents]
servers = ["$parent"]
[heartbeat]
interval_s = 1
[hosts]
"ms1.lab.test" = "127.0.0.1"
"alias.lab.test" = "127.0.0.1"
"gw1.lab.test" = "127.0.0.1"
TOML
  [ "$name" = gw1 ] || echo "\"$name.lab.test\" = \"127.0.0.1\"" >>"$state.toml"
}

# broken NAME: a copy of agent1's state (approved by then) in NAME/, with NAME.toml naming it.
broken() { cp -a agent1 "$1"; config agent1 "$1"; }

show() { jq -r '.checks[] | "    \(.check) \(.status) \(.name) \(.subject // "") \(.evidence) fix: \(.fix // "")"' <<<"$1" 2>/dev/null || echo "$1"; }

# first_fail NAME CONFIG CHECK EVENT "words of the fix": doctor exits 1 and its first FAIL is CHECK
# with event id EVENT and a fix that says the words (the remedy, not a neighbouring one).
first_fail() {
  local name="$1" config="$2" want="$3" event="$4" words="$5" json rc=0 got got_event fix
  # shellcheck disable=SC2086  # CONFIG may carry more options (--computer FQDN)
  json="$("$OUTPOST" doctor --config $config --json 2>/dev/null)" || rc=$?
  got="$(jq -r '.first_failure.check // "none"' <<<"$json" 2>/dev/null || echo unparsable)"
  got_event="$(jq -r '.first_failure.event // "none"' <<<"$json" 2>/dev/null || echo unparsable)"
  fix="$(jq -r '.first_failure.fix // ""' <<<"$json" 2>/dev/null || true)"
  if [ "$rc" -eq 1 ] && [ "$got" = "$want" ] && [ "$got_event" = "$event" ] &&
    contains "$fix" "$words"; then
    ok "$name: first FAIL is check $want, event $event, fix: $fix"
  else
    not_ok "$name: wanted first FAIL check $want, event $event, with '$words'; got check $got," \
      "event $got_event (exit $rc)"
    show "$json"
  fi
}

# --- a healthy management server: every check passes or is skipped (it has no parent)
json="$("$OUTPOST" doctor --config ms1.toml --json)" && rc=0 || rc=$?
check "server: doctor exits 0" test "$rc" -eq 0
check "server: no FAIL" test "$(jq -r '.ok' <<<"$json")" = true
check "server: names its role" contains "$(jq -r '.heading' <<<"$json")" "management server"

# --- agent pending (review), then approved: a healthy agent passes everything
config agent1
first_fail "agent pending" agent1.toml 9 20000 "outpost agent approve agent1.lab.test"
"$OUTPOST" agent approve agent1.lab.test --config ms1.toml >/dev/null
"$OUTPOST" agent --config agent1.toml 2>agent1.err &
pids+=($!)
check "the running agent receives its configuration (21025)" \
  wait_for 30 has_event agent1 21025 "New configuration received"
json="$("$OUTPOST" doctor --config agent1.toml --json)" && rc=0 || rc=$?
if [ "$rc" -eq 0 ] && [ "$(jq -r '.ok' <<<"$json")" = true ] &&
  [ "$(jq '[.checks[] | select(.status != "PASS")] | length' <<<"$json")" -eq 0 ]; then
  ok "an approved, healthy, running agent passes every check 1-11"
else
  not_ok "an approved, healthy, running agent passes every check 1-11 (exit $rc)"
  show "$json"
fi
check "checks 1 to 11 all ran, in order" \
  test "$(jq -c '[.checks[].check] | unique' <<<"$json")" = "[1,2,3,4,5,6,7,8,9,10,11]"
check "check 11 reports the running agent's queue" \
  contains "$(jq -r '.checks[] | select(.check == 11) | .evidence' <<<"$json")" "items queued"
check "check 10 names the state cookie the agent received" \
  contains "$(jq -r '.checks[] | select(.check == 10) | .evidence' <<<"$json")" \
  "$(sed -n 's/.*state cookie .\([0-9a-f]*\).*/\1/p' <<<"$("$OUTPOST" events --state agent1 --id 21025)" | tail -1)"
check "name resolution says [hosts] answered" \
  contains "$(jq -r '.checks[] | select(.check == 2) | .evidence' <<<"$json")" "[hosts]"
text="$("$OUTPOST" doctor --config agent1.toml)"
check "text output: one line per check" contains "$text" " 9  PASS  admission (ms1.lab.test:$port)"
check "text output: a summary" contains "$text" "Every check passed."
no_tls_noise() { ! "$OUTPOST" events --state ms1 --id 20071 | grep -qF "during TLS"; }
check "doctor's connections leave no failed-handshake event (20071) on the parent" no_tls_noise

# --- the server's view of one computer
healthy() { inventory_is ms1.toml agent1.lab.test health=healthy; }
wait_for 30 healthy
json="$("$OUTPOST" doctor --config ms1.toml --computer agent1.lab.test --json)" && rc=0 || rc=$?
check "--computer: exit 0 for a healthy agent" test "$rc" -eq 0
view="$(jq -r '.checks[] | "\(.name): \(.evidence)"' <<<"$json")"
check "--computer: approved" contains "$view" "approval: agent agent1.lab.test is approved"
check "--computer: connected through the server" contains "$view" "connected directly to this server (ms1.lab.test)"
check "--computer: last heartbeat" contains "$view" "last heartbeat"
check "--computer: certificate expiry" contains "$view" "days left"
check "--computer: the server resolves it" contains "$view" "agent1.lab.test -> 127.0.0.1 (answered by [hosts]"
first_fail "--computer: an unknown computer" "ms1.toml --computer nobody.lab.test" 2 20000 "run outpost doctor on nobody.lab.test"

# --- one thing broken at a time
config agent1 unresolvable LAB "nowhere.lab.test:$port"
cp -a agent1 unresolvable
start=$SECONDS
first_fail "parent name unresolvable" unresolvable.toml 2 21005 "add it to [hosts]"
check "doctor takes seconds when the parent cannot be found ($((SECONDS - start)) s)" \
  test $((SECONDS - start)) -le 12

config agent1 closed LAB "ms1.lab.test:1"
cp -a agent1 closed
start=$SECONDS
first_fail "port closed" closed.toml 3 21006 "TCP port 1 is open"
check "the evidence says the connection was refused" \
  contains "$("$OUTPOST" doctor --config closed.toml || true)" "connection refused"
check "doctor takes seconds when the port is closed ($((SECONDS - start)) s)" \
  test $((SECONDS - start)) -le 12

broken noroot
rm noroot/pki/trusted/*
first_fail "trusted root missing" noroot.toml 4 20072 "outpost cert trust --state $PWD/noroot ROOT-CA.crt"

broken nocert
rm nocert/pki/personal/*.crt
first_fail "personal certificate missing" nocert.toml 5 20066 "outpost cert import --state $PWD/nocert --fqdn agent1.lab.test --cert FILE --key FILE"

broken nokey
rm nokey/pki/personal/*.key
first_fail "private key missing" nokey.toml 5 20068 "put the private key"

broken renewed  # renewal tooling replaced the files; cert import was never run
"$OUTPOST" ca issue --dir ca --fqdn agent1.lab.test --out issued-renewal >/dev/null
rm renewed/pki/personal/*
install -m 0644 issued-renewal/agent1.lab.test.crt renewed/pki/personal/agent1-renewed.crt
install -m 0600 issued-renewal/agent1.lab.test.key renewed/pki/personal/agent1-renewed.key
first_fail "serial not re-imported after renewal" renewed.toml 6 20066 "--subject agent1.lab.test"

# Certificates cert import refuses are put in place by hand, as a careless renewal would.
openssl_ca osslca "Doctor OpenSSL CA"
by_hand() {  # by_hand STATE PREFIX: make PREFIX.crt/.key the recorded channel certificate
  rm "$1"/pki/personal/*
  install -m 0644 "$2.crt" "$1/pki/personal/by-hand.crt"
  install -m 0600 "$2.key" "$1/pki/personal/by-hand.key"
  "$OUTPOST" cert trust --state "$1" osslca/ca.crt >/dev/null
  cat >"$1/machine-settings.toml" <<TOML
ChannelCertificateSerialNumber = "$(reversed_serial "$2.crt")"
ChannelCertificateHash = "$(sha256_of "$2.crt")"
ChannelCertificateSubject = "CN=agent1.lab.test"
Fqdn = "agent1.lab.test"
ImportedAt = "2026-01-01T00:00:00Z"
TOML
}
openssl_issue osslca agent1.lab.test expired computer rsa:2048 20200101000000Z 20210101000000Z
broken expired
by_hand expired expired
first_fail "certificate expired" expired.toml 7 20051 "renew the certificate"

openssl_issue osslca agent1.lab.test server-only server_only
broken noclient
by_hand noclient server-only
first_fail "missing clientAuth EKU" noclient.toml 7 20050 "both serverAuth and clientAuth"

openssl_issue osslca agent1.lab.test no-signature no_signature
broken nosignature
by_hand nosignature no-signature
first_fail "key usage without digitalSignature" nosignature.toml 7 30001 "digitalSignature"

openssl_issue osslca agent1.lab.test weak computer rsa:1024
broken weak
by_hand weak weak
first_fail "a 1024-bit RSA key" weak.toml 7 30002 "key"

# A self-signed certificate is not a missing root (check 4 would say "trust the root").
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -keyout self-signed.key -out self-signed.crt -subj "/CN=agent1.lab.test" \
  -addext "subjectAltName=DNS:agent1.lab.test" -addext "basicConstraints=critical,CA:FALSE" \
  -addext "keyUsage=critical,digitalSignature" \
  -addext "extendedKeyUsage=serverAuth,clientAuth" 2>/dev/null
broken selfsigned
by_hand selfsigned self-signed
first_fail "a self-signed certificate" selfsigned.toml 7 30003 "from a CA"
check "  ... check 4 does not blame the trusted store" \
  test "$("$OUTPOST" doctor --config selfsigned.toml --json | jq -r '.checks[] | select(.check == 4) | .status')" = SKIP

"$OUTPOST" ca issue --dir ca --fqdn other.lab.test --out issued-other >/dev/null
broken wrongname
"$OUTPOST" cert import --state wrongname --fqdn other.lab.test \
  --cert issued-other/other.lab.test.crt --key issued-other/other.lab.test.key >/dev/null
first_fail "certificate name is not the FQDN" wrongname.toml 7 20052 "CN=agent1.lab.test"

config rogue  # its certificate is from a CA the server does not trust
first_fail "the parent does not trust our CA" rogue.toml 8 20071 "on the parent ms1.lab.test, trust the CA"

config agent1 alias LAB "alias.lab.test:$port"
cp -a agent1 alias
first_fail "the parent's name is mapped to another computer" alias.toml 8 20072 \
  "correct [hosts] \"alias.lab.test\" = \"127.0.0.1\" in alias.toml"
check "  ... and it still says how to name that computer if it is the parent" \
  contains "$("$OUTPOST" doctor --config alias.toml || true)" "by the FQDN in its certificate"

config gw1 gw1 LAB "ms1.lab.test:$port" $'[listen]\naddress = "127.0.0.1"\nport = 0'
first_fail "gateway not approved" gw1.toml 9 20000 "outpost gateway approve --config SERVER.toml --gateway gw1.lab.test"
check "the gateway is checked as a gateway" \
  contains "$("$OUTPOST" doctor --config gw1.toml || true)" "gw1.lab.test: gateway in management group LAB"

# --- through a gateway: approved and running, it relays the server's verdict on its agents
"$OUTPOST" gateway approve --config ms1.toml --gateway gw1.lab.test >/dev/null
json="$("$OUTPOST" doctor --config gw1.toml --json)" && rc=0 || rc=$?
check "an approved gateway passes (exit $rc)" test "$rc" -eq 0
"$OUTPOST" gateway --config gw1.toml 2>gw1.err &
pids+=($!)
wait_for 30 has_event gw1 30022 "Connected to ms1.lab.test"
gw_port="$(port_of gw1)"
config agent4 agent4 LAB "gw1.lab.test:$gw_port"
first_fail "an agent behind the gateway, pending at the server" agent4.toml 9 20000 \
  "outpost agent approve agent4.lab.test"
"$OUTPOST" agent approve agent4.lab.test --config ms1.toml >/dev/null
json="$("$OUTPOST" doctor --config agent4.toml --json)" && rc=0 || rc=$?
check "approved, the agent behind the gateway passes (exit $rc)" test "$rc" -eq 0
check "and it was admitted by the gateway" \
  contains "$(jq -r '.checks[] | select(.check == 9) | .evidence' <<<"$json")" "admitted by gw1.lab.test"

# The server's view of an agent killed behind the gateway: "connected through gw1" only while its
# heartbeats arrive; once they stopped, not connected (WARN 20022) and a heartbeat failure.
"$OUTPOST" agent --config agent4.toml 2>agent4.err &
agent4_pid=$!
pids+=("$agent4_pid")
check "agent4 runs through gw1" wait_for 30 inventory_is ms1.toml agent4.lab.test health=healthy \
  parent=gw1.lab.test
view_of() { "$OUTPOST" doctor --config ms1.toml --computer agent4.lab.test --json || true; }
check "--computer: while it heartbeats, connected through gw1" \
  contains "$(view_of | jq -r '.checks[] | select(.check == 4) | .evidence')" "connected through gw1.lab.test"
kill -KILL "$agent4_pid"
check "agent4's heartbeats stop" wait_for 30 inventory_is ms1.toml agent4.lab.test \
  health=heartbeat_failure
json="$(view_of)"
check "--computer: a killed agent is not connected (WARN 20022), not 'connected through gw1'" \
  test "$(jq -r '.checks[] | select(.check == 4) | "\(.status) \(.event)"' <<<"$json")" = "WARN 20022"
check "  ... its evidence names where the last heartbeat came through" \
  contains "$(jq -r '.checks[] | select(.check == 4) | .evidence' <<<"$json")" \
  "not connected: no node reports it; its last heartbeat came through gw1.lab.test"
check "  ... and the first failure is the heartbeat (20022)" \
  test "$(jq -r '"\(.first_failure.check) \(.first_failure.event)"' <<<"$json")" = "5 20022"

config agent2
first_fail "another agent pending" agent2.toml 9 20000 "outpost agent approve agent2.lab.test"

config agent3 agent3 OTHER
first_fail "wrong management group" agent3.toml 9 20001 "set [node] management_group"

# [node] fqdn is the short name of the certificate's FQDN: check 1 says which name to set (check
# 7 would advise a certificate for the short name).
broken shortname
sed -i 's/^fqdn = "agent1.lab.test"/fqdn = "agent1"/' shortname.toml
first_fail "a single-label [node] fqdn" shortname.toml 1 30010 \
  "set [node] fqdn = \"agent1.lab.test\""

config agent1 nostate  # its state directory was never created
first_fail "the state directory does not exist" nostate.toml 1 30016 "install -d -m 700"

# tls_server NAME ARGS...: openssl s_server on a free loopback port (in $tls_port) with ARGS,
# posing as a parent; stopped by PID on exit. Run in this shell (not through check), so that the
# port and the PID stay known.
tls_server() {
  local name="$1"
  shift
  local try candidate pid
  tls_port=""
  for try in 1 2 3 4 5; do
    candidate=$((20000 + RANDOM % 20000))
    openssl s_server -quiet -accept "127.0.0.1:$candidate" -tls1_3 "$@" >/dev/null 2>&1 &
    pid=$!
    pids+=("$pid")
    if wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$candidate" && kill -0 "$pid"; then
      tls_port=$candidate
      ok "$name listens on 127.0.0.1:$tls_port"
      return 0
    fi
    kill "$pid" 2>/dev/null || true
  done
  not_ok "$name: openssl s_server did not listen on loopback"
}

# The parent's port answers TLS with the right name but not the Outpost protocol (a web server on
# the port): the fix names the port in [parents], not a certificate.
tls_server "a TLS server without ALPN" -cert issued-ca/ms1.lab.test.crt \
  -key issued-ca/ms1.lab.test.key
config agent1 noalpn LAB "ms1.lab.test:$tls_port"
cp -a agent1 noalpn
first_fail "the parent's port does not speak the Outpost protocol" noalpn.toml 8 30074 \
  "names the port of an outpost server or gateway"

# A parent whose root only bears the name of our root (an impostor): never advise trusting it.
openssl_ca impostor "Doctor Test CA"
openssl_issue impostor ms1.lab.test impostor-ms1
tls_server "an impostor parent" -alpn outpost/1 -cert impostor-ms1.crt -key impostor-ms1.key \
  -cert_chain impostor/ca.crt
config agent1 impostorparent LAB "ms1.lab.test:$tls_port"
cp -a agent1 impostorparent
first_fail "the parent's root only bears our root's name" impostorparent.toml 8 30072 \
  "compare both SHA-256 fingerprints"

# A parent named by its IP address can never match its certificate: refused at load (30026).
config agent1 byaddress LAB "127.0.0.1:$port"
cp -a agent1 byaddress
first_fail "a parent named by its IP address" byaddress.toml 1 30026 "by the FQDN in its certificate"
check "  ... and the agent refuses to start with the same event" \
  contains "$("$OUTPOST" agent --config byaddress.toml 2>&1 || true)" "[event 30026]"

# The parents in force are the ones the configuration service pushed (set-parent), kept in
# configuration.toml, not the file's: an unresolvable pushed parent fails check 2.
broken pushed
sed -i "s/^\(servers = \)\[.*\]/\1[\"nowhere.lab.test:$port\"]/" pushed/configuration.toml
check "the test pushed a parent by editing configuration.toml" \
  grep -q nowhere.lab.test pushed/configuration.toml
first_fail "a pushed parent that does not resolve" pushed.toml 2 21005 "nowhere.lab.test"
check "  ... check 1 says the parents were pushed" \
  contains "$("$OUTPOST" doctor --config pushed.toml || true)" "pushed by the configuration service"

# A gateway that comes back with another key: told to rebind (30093), not to get approved.
"$OUTPOST" ca issue --dir ca --fqdn gw1.lab.test --out issued-rekeyed >/dev/null
"$OUTPOST" cert trust --state "$PWD/rekeyed" ca/ca.crt >/dev/null
"$OUTPOST" cert import --state "$PWD/rekeyed" --fqdn gw1.lab.test \
  --cert issued-rekeyed/gw1.lab.test.crt --key issued-rekeyed/gw1.lab.test.key >/dev/null
config gw1 rekeyed LAB "ms1.lab.test:$port" $'[listen]\naddress = "127.0.0.1"\nport = 0'
first_fail "a gateway with another key" rekeyed.toml 9 30093 "--gateway gw1.lab.test --rebind"

cat >bad.toml <<TOML
[node]
fqdn = "agent1.lab.test"
management_grup = "LAB"
TOML
first_fail "an invalid configuration" bad.toml 1 30010 "correct the file"
finish

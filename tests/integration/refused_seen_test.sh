#!/usr/bin/env bash
# backends: sqlite postgres
# Refused connections seen by the management group (`outpost refusals`): behind a gateway, a
# certificate from an untrusted issuer, an expired certificate, a wrong management group and an
# agent pending approval are each listed on the server with its cause, count and fix, the
# certificate's details, and the name it claimed even though it was never admitted; doctor's
# server view names the cause; the records survive a server restart; on PostgreSQL a second
# server of the group sees them and adds its own; a flood of junk connections from many
# addresses leaves the gateway's table and the database bounded. Every process is stopped
# by its PID; every wait is bounded.
source "$(dirname "$0")/lib.sh"
cd "$TMP"

computers "Refused Seen CA" ms1 gw1 agent1 agent2
openssl_ca stranger "Stranger Root"
openssl_issue stranger agent3.lab.test agent3
openssl_ca oca "Other Trusted CA"
"$OUTPOST" cert trust --state "$PWD/gw1" oca/ca.crt >/dev/null  # so only expiry can fail
openssl_issue oca old.lab.test old computer rsa:2048 20200101000000Z 20210101000000Z

db_url="$(database_url ms1)"
server_toml() {  # NAME
  cat <<TOML
$(node_section "$1")
$(listen_section)
[database]
url = "$db_url"
[admission]
agents = "review"
[heartbeat]
interval_s = 1
[limits]
refusal_records = 25
TOML
}
server_toml ms1 >ms1.toml
start_daemon server ms1
ms1_pid=$daemon_pid
ms_port="$(listening_port ms1)"
"$OUTPOST" gateway approve --config ms1.toml --gateway gw1.lab.test >/dev/null
cat >gw1.toml <<TOML
$(node_section gw1)
$(listen_section)
$(parent_sections ms1 "$ms_port")
[heartbeat]
interval_s = 1
[limits]
refusal_records = 20
TOML
start_daemon gateway gw1
gw_port="$(listening_port gw1)"
check "the gateway connects" wait_for 60 has_event gw1 30022 "Connected to ms1.lab.test"

# agent1: pending approval (review); agent2: asks for another management group.
agent_toml() {  # NAME GROUP
  node_section "$1" | sed "s/management_group = \"LAB\"/management_group = \"$2\"/"
  parent_sections gw1 "$gw_port"
  printf '[heartbeat]\ninterval_s = 1\n'
}
agent_toml agent1 LAB >agent1.toml
agent_toml agent2 OTHER >agent2.toml
start_daemon agent agent1
start_daemon agent agent2

# agent3 (an untrusted issuer) and old.lab.test (expired) during TLS, three times each.
tls_attempt() {  # PREFIX
  timeout 20 openssl s_client -ign_eof -connect "127.0.0.1:$gw_port" -alpn outpost/1 -tls1_3 \
    -cert "$1.crt" -key "$1.key" -CAfile ca/ca.crt </dev/null >/dev/null 2>&1 || true
}
for _ in 1 2 3; do
  tls_attempt agent3
  tls_attempt old
done

# refusal NAME JQ-CONDITION: `outpost refusals --json` lists NAME with the condition true.
refusal() {
  "$OUTPOST" refusals --config ms1.toml --json |
    jq -e --arg n "$1" ".refusals[] | select(.identity == \$n) | select($2)" >/dev/null
}
check "untrusted issuer: listed with its cause, count and certificate" \
  wait_for 60 refusal agent3.lab.test '.reporter == "gw1.lab.test" and .event == 20072 and
    .cause == "peer_issuer_unknown" and .count == 3 and .source == "127.0.0.1" and
    .certificate.issuer == "CN=Stranger Root" and (.certificate.sha256 | length) == 64 and
    (.meaning | contains("Stranger Root")) and (.fix | contains("issue agent3.lab.test a certificate"))'
check "expired: listed with its cause, count and expiry" \
  wait_for 60 refusal old.lab.test '.event == 20072 and .cause == "peer_expired" and .count == 3
    and .certificate.not_after == "2021-01-01T00:00:00Z" and (.fix | contains("new certificate"))'
check "wrong management group: listed by the name it claimed, with the group it asked for" \
  wait_for 60 refusal agent2.lab.test '.cause == "rejected" and .reject_code == 1 and
    .management_group == "OTHER" and .role == "agent" and
    (.fix | contains("management_group = \"LAB\""))'
check "pending approval: listed with the command that approves it" \
  wait_for 60 refusal agent1.lab.test '.cause == "rejected" and .reject_code == 3 and
    (.fix | contains("outpost agent approve agent1.lab.test --config ms1.toml"))'
one_line_with_fix() {
  local out
  out="$("$OUTPOST" refusals --config ms1.toml --computer agent3.lab.test)"
  echo "$out"
  [ "$(wc -l <<<"$out")" -eq 1 ] &&
    contains "$out" "agent3.lab.test from 127.0.0.1 at gw1.lab.test: 3 times since" &&
    contains "$out" "Fix: issue agent3.lab.test a certificate"
}
check "one line per aggregate, with the fix" one_line_with_fix
out="$("$OUTPOST" doctor --config ms1.toml --computer agent3.lab.test 2>&1 || true)"
check "doctor's server view of a computer never admitted names the refusal" \
  contains "$out" "gw1.lab.test refused it 3 times from 127.0.0.1"
check "and its fix" contains "$out" "issue agent3.lab.test a certificate from this group's CA"

# The records survive a restart of the server (on the same port, where the gateway dials it).
sed -i "s/^port = 0$/port = $ms_port/" ms1.toml
kill "$ms1_pid"
wait "$ms1_pid" 2>/dev/null || true
start_daemon server ms1
listening_port ms1 >/dev/null
check "after a restart the expired certificate's record is still there" \
  refusal old.lab.test '.count == 3'
restarted="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
reported_since_restart() {
  "$OUTPOST" refusals --config ms1.toml --json |
    jq -e --arg t "$restarted" '.drops[] | select(.reporter == "gw1.lab.test" and .updated > $t)'
}
check "the gateway reconnects and reports everything again" wait_for 60 reported_since_restart
check "which counts once: still 3" refusal old.lab.test '.count == 3'

if [ "${OUTPOST_TEST_BACKEND:-sqlite}" = postgres ]; then
  server_toml ms2 >ms2.toml
  "$OUTPOST" ca issue --dir ca --fqdn ms2.lab.test --out issued >/dev/null
  install -d -m 700 ms2
  "$OUTPOST" cert trust --state "$PWD/ms2" ca/ca.crt >/dev/null
  "$OUTPOST" cert import --state "$PWD/ms2" --fqdn ms2.lab.test \
    --cert issued/ms2.lab.test.crt --key issued/ms2.lab.test.key >/dev/null
  start_daemon server ms2
  ms2_port="$(listening_port ms2)"
  from_ms2() {
    "$OUTPOST" refusals --config ms2.toml --json |
      jq -e '.refusals[] | select(.identity == "agent3.lab.test" and .reporter == "gw1.lab.test")'
  }
  check "a second server of the group lists the gateway's refusals" from_ms2
  timeout 20 openssl s_client -ign_eof -connect "127.0.0.1:$ms2_port" -alpn outpost/1 -tls1_3 \
    -cert agent3.crt -key agent3.key -CAfile ca/ca.crt </dev/null >/dev/null 2>&1 || true
  check "and its own refusals are seen from the first server's configuration" \
    wait_for 60 refusal agent3.lab.test '.reporter == "ms2.lab.test" and .count == 1'
fi

# A flood: 300 connections that close at once, each from its own address.
/usr/bin/python3 - "$gw_port" <<'PY'
import socket, sys
port = int(sys.argv[1])
for i in range(300):
    s = socket.socket()
    s.settimeout(5)
    s.bind((f"127.0.{1 + i // 250}.{1 + i % 250}", 0))
    try:
        s.connect(("127.0.0.1", port))
    except OSError:
        pass
    s.close()
PY
gateway_table_bounded() {
  local json
  json="$("$OUTPOST" status --config gw1.toml --json)"
  jq -e '.listener.refusal_records <= 20 and .listener.refusal_records_dropped > 250' <<<"$json"
}
check "the flood leaves the gateway's table at its cap, counting what it dropped" \
  wait_for 60 gateway_table_bounded
stored_bounded() {
  local json
  json="$("$OUTPOST" refusals --config ms1.toml --computer gw1.lab.test --json)"
  jq -e '(.refusals | length) <= 25 and
    (.drops[] | select(.reporter == "gw1.lab.test") | .dropped > 250)' <<<"$json"
}
check "and the database keeps at most [limits] refusal_records rows of the gateway" \
  wait_for 60 stored_bounded
says_dropped() { "$OUTPOST" refusals --config ms1.toml | grep -q 'Note: gw1.lab.test dropped'; }
check "the text output says what was dropped" says_dropped

finish

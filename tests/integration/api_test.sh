#!/usr/bin/env bash
# The REST API (issue 13) against a real management server and real agents, with curl over HTTPS
# that verifies the server's certificate (the test's CA): logins and sessions (cookie attributes,
# CSRF, logout), roles (administrator, operator, read-only: 403 with event 30116), API tokens,
# approving a pending agent until it is healthy, an alert acknowledged by an operator, a
# performance series downsampled on the server, the audit log (outpost audit; no password in
# it), bad input (400/404/405/413 with event ids), login rate limiting (429 with Retry-After,
# per address) and the listener's per-address connection limit. Every process is stopped by its
# PID; every wait is bounded.
# backends: sqlite postgres (users, sessions and the audit log are in the database)
source "$(dirname "$0")/lib.sh"
cd "$TMP"

computers "API Test CA" ms1 agent1 agent2
cat >check_svc <<'SH'
#!/bin/sh
echo "SVC CRITICAL - down"
exit 2
SH
chmod +x check_svc

cat >ms1.toml <<TOML
$(node_section ms1)
$(listen_section)
[database]
url = "$(database_url operations)"
[admission]
agents = "review"
[heartbeat]
interval_s = 1
missed_allowed = 3
[hosts]
"ms1.lab.test" = "127.0.0.1"
[collect]
performance_interval_s = 1
[[collect.check]]
name = "svc"
command = ["$TMP/check_svc"]
interval_s = 1
[alerts]
evaluation_interval_s = 1
[[alerts.monitor]]
name = "svc-state"
kind = "check"
check = "svc"
[web]
address = "127.0.0.1"
port = 0
max_per_source = 4
body_limit_kb = 8
TOML

printf 'admin password 1\n' >admin.pw
printf 'operator password 1\n' >op.pw
printf 'reader password 1\n' >reader.pw
check "outpost user add (administrator)" "$OUTPOST" user add --config ms1.toml --name admin \
  --role administrator --password-file admin.pw
check "outpost user add (operator)" "$OUTPOST" user add --config ms1.toml --name op \
  --role operator --password-file op.pw
check "outpost user add (read-only)" "$OUTPOST" user add --config ms1.toml --name reader \
  --password-file reader.pw
expect_fail "a short password is refused" "at least 10" \
  sh -c "echo short | '$OUTPOST' user add --config ms1.toml --name shorty --password-file -"
expect_fail "a user name is added once" "already is a user named admin" \
  "$OUTPOST" user add --config ms1.toml --name admin --password-file admin.pw

start_daemon server ms1
port="$(listening_port ms1)" || { not_ok "ms1 starts: $(tail -3 ms1.err)"; finish; }
check "the console listens (30110)" wait_for 30 has_event ms1 30110 "listen on https://"
web_port="$("$OUTPOST" events --state ms1 --id 30110 --json | jq -r '.[-1].fields.port')"
base="https://ms1.lab.test:$web_port/api/v1"
# curl that verifies the server's certificate against the test's root, for ms1.lab.test.
api() { curl -sS --cacert ca/ca.crt --resolve "ms1.lab.test:$web_port:127.0.0.1" "$@"; }
status_of() { api -o /dev/null -w '%{http_code}' "$@"; }
# login NAME PASSWORD JAR [ADDRESS]: a session cookie in JAR; prints the answer.
login() {
  api -c "$3" ${4:+--interface "$4"} -H 'Content-Type: application/json' \
    -d "{\"user\": \"$1\", \"password\": \"$2\"}" "$base/session"
}

for a in agent1 agent2; do
  cat >"$a.toml" <<TOML
$(node_section "$a")
$(parent_sections ms1 "$port")
[heartbeat]
interval_s = 1
TOML
  start_daemon agent "$a"
done

# Not logged in: 401 with its event, and the security headers on every answer.
headers="$(api -D - -o body.json "$base/overview")"
check "no session: 401 with event 30115" jq -e '.error.status == 401 and .error.event == 30115' body.json
for h in "Content-Security-Policy: default-src 'self'; script-src 'self'" \
  "Strict-Transport-Security: max-age=" "X-Frame-Options: DENY" "X-Content-Type-Options: nosniff"; do
  check "security header: ${h%%:*}" contains "$headers" "$h"
done
wrong_password() { login admin wrong-password-x /dev/null | jq -e '.error.event == 30112'; }
check "a wrong password: 401 with event 30112" wrong_password

# The administrator's session.
login admin 'admin password 1' admin.jar >login.json
csrf="$(jq -r .csrf login.json)"
check "login answers the role and a CSRF token" jq -e '.role == "administrator" and (.csrf | length) > 20' login.json
check "the session cookie is Secure, HttpOnly, SameSite=Strict" \
  grep -q '#HttpOnly_ms1.lab.test.*TRUE.*outpost_session' admin.jar
cookie_flags() {
  api -D - -o /dev/null -H 'Content-Type: application/json' \
    -d '{"user": "admin", "password": "admin password 1"}' "$base/session" |
    grep -i '^set-cookie' | grep -q 'Secure; HttpOnly; SameSite=Strict'
}
check "Set-Cookie carries Secure, HttpOnly and SameSite=Strict" cookie_flags
as_admin() { api -b admin.jar -H "X-CSRF-Token: $csrf" "$@"; }

pending_has() { as_admin "$base/pending" | jq -e --arg f "$1" '[.items[].fqdn] | index($f) != null'; }
both_pending() { pending_has agent1.lab.test && pending_has agent2.lab.test; }
check "both agents are pending" wait_for 60 both_pending

check "a change without the CSRF token: 403" \
  test "$(status_of -b admin.jar -X POST "$base/pending/agent1.lab.test/approve")" = 403
login reader 'reader password 1' reader.jar >reader.json
reader_csrf="$(jq -r .csrf reader.json)"
api -b reader.jar -H "X-CSRF-Token: $reader_csrf" -X POST -o reader_approve.json \
  "$base/pending/agent1.lab.test/approve"
check "a read-only user cannot approve: 403 with event 30116" \
  jq -e '.error.status == 403 and .error.event == 30116' reader_approve.json
check "a read-only user reads the inventory" \
  test "$(status_of -b reader.jar "$base/computers")" = 200
check "the administrator approves agent1" \
  test "$(status_of -b admin.jar -H "X-CSRF-Token: $csrf" -X POST "$base/pending/agent1.lab.test/approve")" = 200
healthy() {
  as_admin "$base/computers?q=agent1" | jq -e '.items[0].fqdn == "agent1.lab.test" and (.items[0].health == "healthy" or .items[0].health == "critical")'
}
check "agent1 is approved and heartbeats (its check is critical)" wait_for 60 healthy
servers_page() {
  as_admin "$base/computers?role=management_server&limit=1" |
    jq -e '.total == 1 and (.items | length) == 1 and .items[0].fqdn == "ms1.lab.test"'
}
check "the inventory filters by role and pages" servers_page

# An alert, acknowledged by an operator.
alert_id() { as_admin "$base/alerts?computer=agent1.lab.test" | jq -e '.items[0].id'; }
check "the critical check opens an alert" wait_for 60 alert_id
id="$(alert_id)"
login op 'operator password 1' op.jar >op.json
op_csrf="$(jq -r .csrf op.json)"
check "an operator cannot approve agents" \
  test "$(status_of -b op.jar -H "X-CSRF-Token: $op_csrf" -X POST "$base/pending/agent2.lab.test/approve")" = 403
api -b op.jar -H "X-CSRF-Token: $op_csrf" -H 'Content-Type: application/json' \
  -d '{"comment": "looking at it"}' -o ack.json "$base/alerts/$id/ack"
acknowledged() { as_admin "$base/alerts/$id" | jq -e '.state == "acknowledged" and .owner == "op"'; }
check "an operator acknowledges the alert" acknowledged

# Performance, downsampled on the server.
series_ok() {
  as_admin "$base/computers/agent1.lab.test/performance?counter=cpu.percent&points=5" |
    jq -e '(.points | length) >= 1 and (.points | length) <= 5 and (.points[0] | has("min") and has("avg") and has("max"))'
}
check "a counter's series has at most the points asked for" wait_for 60 series_ok
one_computer() {
  as_admin "$base/computers/agent1.lab.test" |
    jq -e '(.checks | length) == 1 and (.alerts | length) >= 1 and (.counters | index("cpu.percent")) != null'
}
check "one computer: its checks, alerts and counters" one_computer
doctor_view() { as_admin "$base/computers/agent1.lab.test/doctor" | jq -e '(.checks | length) >= 3'; }
check "the doctor view of a computer" doctor_view

# API tokens: no CSRF header needed; removed, refused.
"$OUTPOST" user token add --config ms1.toml --name admin --label ci --json >token.json
token="$(jq -r .token token.json)"
check "a token reads the inventory" \
  test "$(status_of -H "Authorization: Bearer $token" "$base/computers")" = 200
check "a token rejects agent2 (no CSRF header needed)" \
  test "$(status_of -H "Authorization: Bearer $token" -X POST "$base/pending/agent2.lab.test/reject")" = 200
"$OUTPOST" user token remove --config ms1.toml --id "$(jq -r .id token.json)" >/dev/null
check "a removed token: 401" \
  test "$(status_of -H "Authorization: Bearer $token" "$base/computers")" = 401

# Bad input, each with its status and event.
bad() {  # bad NAME STATUS EVENT CURL_ARGS...
  local name="$1" want="$2" event="$3" got; shift 3
  got="$(as_admin -o bad.json -w '%{http_code}' "$@")"
  if [ "$got" = "$want" ] && jq -e --argjson e "$event" '.error.event == $e' bad.json >/dev/null; then
    ok "$name"
  else
    not_ok "$name (HTTP $got: $(head -c 300 bad.json))"
  fi
}
bad "?limit=abc: 400" 400 30114 "$base/computers?limit=abc"
bad "a body that is not JSON: 400" 400 30114 -X PUT -H 'Content-Type: application/json' \
  -d 'not json' "$base/gateways/gw1.lab.test/failover"
bad "parents that are not a list: 400" 400 30114 -X PUT -H 'Content-Type: application/json' \
  -d '{"parents": "ms1"}' "$base/agents/agent1.lab.test/parents"
head -c 20000 /dev/zero | tr '\0' 'x' >big.txt
bad "a body over [web] body_limit_kb: 413" 413 30118 -X POST -H 'Content-Type: application/json' \
  --data-binary @big.txt "$base/users"
bad "an unknown resource: 404" 404 30117 "$base/nothing"
bad "a method a resource does not have: 405" 405 30114 -X DELETE "$base/computers"
bad "an alert id that is not a number: 400" 400 30114 -X POST "$base/alerts/x/ack"
bad "an unknown agent: 404" 404 30013 -X POST "$base/pending/nobody.lab.test/approve"
bad "a user with a short password: 400" 400 30114 -X POST -H 'Content-Type: application/json' \
  -d '{"name": "bob", "role": "operator", "password": "short"}' "$base/users"
openapi() { api "$base/openapi.json" | jq -e '.openapi and .paths["/api/v1/computers"]'; }
check "the OpenAPI document is served without a session" openapi
console_page() { api "https://ms1.lab.test:$web_port/" | grep -q '<html'; }
check "the console's page is served" console_page

# The audit log: who did what, refusals included, never a password.
"$OUTPOST" audit --config ms1.toml --json >audit.json
check "audit: the administrator approved agent1" \
  jq -e 'any(.[]; .user == "admin" and .action == "agent.approve" and .target == "agent1.lab.test" and .ok)' audit.json
check "audit: the read-only user's refused approval" \
  jq -e 'any(.[]; .user == "reader" and .action == "agent.approve" and (.ok | not))' audit.json
check "audit: the token's rejection names the token" \
  jq -e 'any(.[]; .user == "admin (token ci)" and .action == "agent.reject" and .ok)' audit.json
check "audit: the operator's acknowledgement" \
  jq -e 'any(.[]; .user == "op" and .action == "alerts.ack" and .ok)' audit.json
check "audit: no password anywhere" sh -c "! grep -q 'password 1' audit.json"
check "API: the audit log is for administrators only" \
  test "$(status_of -b op.jar "$base/audit")" = 403

# Logout ends the session everywhere.
check "logout: 204" test "$(status_of -b admin.jar -H "X-CSRF-Token: $csrf" -X DELETE "$base/session")" = 204
check "after logout the cookie is refused" test "$(status_of -b admin.jar "$base/overview")" = 401

# Login rate limiting, per address (from 127.0.0.9, so other addresses keep logging in).
for _ in 1 2 3 4 5; do login reader wrong-password-x /dev/null 127.0.0.9 >/dev/null; done
api --interface 127.0.0.9 -D throttled.headers -o throttled.json -H 'Content-Type: application/json' \
  -d '{"user": "op", "password": "operator password 1"}' "$base/session"
check "the 6th login from one address within 5 minutes: 429 (30113)" \
  jq -e '.error.status == 429 and .error.event == 30113' throttled.json
check "429 says when to retry" grep -qi '^retry-after: [0-9]' throttled.headers
other_address() { login op 'operator password 1' /dev/null 127.0.0.10 | jq -e '.role == "operator"'; }
check "another address still logs in" other_address
check "the throttled login is in the event log (30113)" has_event ms1 30113 "127.0.0.9"

# At most max_per_source (4) connections from one address: a fifth is closed at once.
/usr/bin/python3 - "$web_port" >conn.out <<'PY'
import socket, sys, time
port = int(sys.argv[1])
held = [socket.create_connection(("127.0.0.1", port)) for _ in range(4)]
time.sleep(0.5)
extra = socket.create_connection(("127.0.0.1", port))
extra.settimeout(10)
try:
    print("closed" if extra.recv(1) == b"" else "open")
except (ConnectionResetError, socket.timeout) as e:
    print("closed" if isinstance(e, ConnectionResetError) else "open")
PY
check "a 5th connection from one address is closed" grep -qx closed conn.out
counted() { "$OUTPOST" status --config ms1.toml --json | jq -e '.web.refused_over_limit >= 1'; }
check "the listener counts it" counted

# A user changes their own password: the current one is checked, every session of the user ends
# and the caller gets a new one; an API token cannot do it.
login op 'operator password 1' own.jar 127.0.0.12 >own.json
login op 'operator password 1' other.jar 127.0.0.12 >/dev/null
own_csrf="$(jq -r .csrf own.json)"
change() { api --interface 127.0.0.12 -b own.jar -c own.jar -H "X-CSRF-Token: $own_csrf" \
  -H 'Content-Type: application/json' -X PUT -d "$1" "$base/session/password"; }
change '{"current": "not my password", "new": "operator password 2"}' >wrong.json
check "own password: a wrong current one is 403 (30112)" \
  jq -e '.error.status == 403 and .error.event == 30112' wrong.json
change '{"current": "operator password 1", "new": "short"}' >short.json
check "own password: a short new one is 400 (30114)" jq -e '.error.status == 400' short.json
"$OUTPOST" user token add --config ms1.toml --name op --label own --json >own-token.json
by_token="$(status_of -H "Authorization: Bearer $(jq -r .token own-token.json)" \
  -H 'Content-Type: application/json' -X PUT \
  -d '{"current": "operator password 1", "new": "operator password 2"}' "$base/session/password")"
check "own password: not with an API token (403)" test "$by_token" = 403
change '{"current": "operator password 1", "new": "operator password 2"}' >changed.json
check "own password: changed, with a new CSRF token" \
  jq -e --arg old "$own_csrf" '.user == "op" and .csrf != $old' changed.json
check "own password: the new session works" test "$(status_of -b own.jar "$base/overview")" = 200
check "own password: the user's other sessions ended" \
  test "$(status_of -b other.jar "$base/overview")" = 401
new_login() { login op 'operator password 2' /dev/null 127.0.0.13 | jq -e '.role == "operator"'; }
check "own password: the new one logs in" new_login
old_login() { login op 'operator password 1' /dev/null 127.0.0.13 | jq -e '.error.status == 401'; }
check "own password: the old one does not" old_login
"$OUTPOST" audit --config ms1.toml --json >audit2.json
check "audit: the password change, without the password" \
  jq -e 'any(.[]; .user == "op" and .action == "password" and .ok) and
    (tostring | contains("password 2") | not)' audit2.json

finish

#!/usr/bin/env bash
# The web console (issue 13) in a real browser: Debian's Chromium driven by playwright-core
# (tests/browser/console_test.mjs) against a real management group: ms1 with [web], gateway gw1,
# agent1 behind it (approved, sending samples and a log event), agent2 (approved, then stopped:
# its heartbeat alert), agent3 and agent4 behind it waiting for approval, and a connection with a
# certificate of another CA that gw1 refuses. Chromium verifies the console's certificate: the
# test's root is put in an NSS database in a HOME of the test's own. The browser logs in, sees the
# group, approves agent3 and sees it turn healthy, sets the gateway's failover list, opens agent1's
# chart, acknowledges the alert, sees agent1's event, puts agent1 in maintenance and out again,
# sees the refused connections, logs out; a read-only user sees agent4 pending without approve
# buttons, no maintenance controls, and gets a 403.
# Screenshots go to $TMP/shots, or to OUTPOST_SCREENSHOT_DIR when set (docs/screenshots).
# Every process is stopped by its PID; every wait is bounded.
source "$(dirname "$0")/lib.sh"
browser_dir="$(cd "$(dirname "$0")/../browser" && pwd)"
cd "$TMP"

if [ ! -d "$browser_dir/node_modules/playwright-core" ]; then
  not_ok "tests/browser has its packages (scripts/test.sh runs npm ci there)"
  finish
fi
command -v chromium >/dev/null || { not_ok "Debian's chromium is installed (scripts/setup.sh)"; finish; }

computers "Console Test CA" ms1 gw1 agent1 agent2 agent3 agent4
openssl_ca stranger "Stranger Root"
openssl_issue stranger stranger.lab.test stranger

cat >ms1.toml <<TOML
$(node_section ms1)
$(listen_section)
[database]
url = "$(database_url operations)"
[admission]
agents = "review"
[heartbeat]
interval_s = 1
missed_allowed = 5
[hosts]
"ms1.lab.test" = "127.0.0.1"
"gw1.lab.test" = "127.0.0.1"
[collect]
performance_interval_s = 1
[[collect.log]]
path = "$TMP/app.log"
rule = "app-errors"
pattern = "ERROR"
level = "error"
[alerts]
evaluation_interval_s = 1
[web]
address = "127.0.0.1"
port = 0
TOML
printf 'admin password 1\n' | "$OUTPOST" user add --config ms1.toml --name admin \
  --role administrator --password-file - >/dev/null
printf 'reader password 1\n' | "$OUTPOST" user add --config ms1.toml --name reader \
  --password-file - >/dev/null
"$OUTPOST" gateway approve --config ms1.toml --gateway gw1.lab.test >/dev/null

start_daemon server ms1
port="$(listening_port ms1)" || { not_ok "ms1 starts: $(tail -3 ms1.err)"; finish; }
check "the console listens (30110)" wait_for 30 has_event ms1 30110 "listen on https://"
web_port="$("$OUTPOST" events --state ms1 --id 30110 --json | jq -r '.[-1].fields.port')"

cat >gw1.toml <<TOML
$(node_section gw1)
$(listen_section)
$(parent_sections ms1 "$port")
[heartbeat]
interval_s = 1
TOML
start_daemon gateway gw1
gw_port="$(listening_port gw1)" || { not_ok "gw1 starts: $(tail -3 gw1.err)"; finish; }
for a in agent1 agent2 agent3 agent4; do
  cat >"$a.toml" <<TOML
$(node_section "$a")
$(parent_sections gw1 "$gw_port")
[heartbeat]
interval_s = 1
TOML
  start_daemon agent "$a"
  eval "${a}_pid=\$daemon_pid"
done
all_pending() {
  local list
  list="$("$OUTPOST" agent pending --config ms1.toml)"
  contains "$list" agent1 && contains "$list" agent2 && contains "$list" agent3 && contains "$list" agent4
}
check "the four agents wait for approval" wait_for 60 all_pending
"$OUTPOST" agent approve agent1.lab.test --config ms1.toml >/dev/null
"$OUTPOST" agent approve agent2.lab.test --config ms1.toml >/dev/null
check "agent1 heartbeats" wait_for 60 inventory_is ms1.toml agent1.lab.test heartbeat=healthy
check "agent2 heartbeats" wait_for 60 inventory_is ms1.toml agent2.lab.test heartbeat=healthy
# agent1 follows app.log by the rule the server sent it; a line that matches is an event.
check "agent1 receives the collection rules (21025)" wait_for 30 has_event agent1 21025 "New configuration received"
sleep 2  # the follower has seen that app.log does not exist yet: it reads it from its start
printf 'INFO all good\nERROR disk on fire\n' >>app.log
agent1_event() {
  "$OUTPOST" events --config ms1.toml --computer agent1.lab.test --json |
    jq -e '[.[] | select(.data.message == "ERROR disk on fire")] | length > 0' >/dev/null
}
check "agent1's event is in the database" wait_for 30 agent1_event
kill -9 "$agent2_pid"
alert_id() {
  "$OUTPOST" alerts list --config ms1.toml --json | jq -e '[.[] | select(.computer == "agent2.lab.test")][0].id'
}
check "agent2 stopped: its heartbeat alert opens" wait_for 60 alert_id
id="$(alert_id)"

# Refused connections: agent4 waits for approval (nobody approves it), and a certificate of another
# CA is refused by gw1 during TLS.
timeout 20 openssl s_client -ign_eof -connect "127.0.0.1:$gw_port" -alpn outpost/1 -tls1_3 \
  -cert stranger.crt -key stranger.key -CAfile ca/ca.crt </dev/null >/dev/null 2>&1 || true
refusal() {
  "$OUTPOST" refusals --config ms1.toml --json | jq -e --arg n "$1" '.refusals[] | select(.identity == $n)' >/dev/null
}
check "the refusal of agent4 (pending) reaches the server" wait_for 60 refusal agent4.lab.test
check "the refusal of the other CA's certificate reaches the server" wait_for 60 refusal stranger.lab.test

# Chromium trusts the test's root through an NSS database in a HOME of the test's own.
mkdir -p home/.pki/nssdb
certutil -N -d sql:home/.pki/nssdb --empty-password
certutil -A -d sql:home/.pki/nssdb -t "C,," -n "outpost-test-ca" -i ca/ca.crt
shots="${OUTPOST_SCREENSHOT_DIR:-$TMP/shots}"
set +e
HOME="$TMP/home" \
  OUTPOST_CONSOLE_URL="https://ms1.lab.test:$web_port/" \
  OUTPOST_HOST_RULES="MAP ms1.lab.test 127.0.0.1" \
  OUTPOST_ADMIN_USER=admin OUTPOST_ADMIN_PASSWORD='admin password 1' \
  OUTPOST_READER_USER=reader OUTPOST_READER_PASSWORD='reader password 1' \
  OUTPOST_PENDING_AGENT=agent3.lab.test OUTPOST_STAYS_PENDING_AGENT=agent4.lab.test \
  OUTPOST_GATEWAY=gw1.lab.test OUTPOST_EVENT_COMPUTER=agent1.lab.test \
  OUTPOST_MAINTENANCE_COMPUTER=agent1.lab.test OUTPOST_REFUSED=agent4.lab.test,stranger.lab.test \
  OUTPOST_FAILOVER="ms1.lab.test:$port" OUTPOST_CHART_COMPUTER=agent1.lab.test \
  OUTPOST_CHART_COUNTER=cpu.percent OUTPOST_ALERT_ID="$id" OUTPOST_SCREENSHOTS="$shots" \
  node "$browser_dir/console_test.mjs" >browser.out 2>&1
browser_rc=$?
set -e
sed 's/^/    /' browser.out
check "the browser test passes (tests/browser/console_test.mjs)" test "$browser_rc" -eq 0

# What the browser did is what the server recorded.
check "agent3 is approved" inventory_is ms1.toml agent3.lab.test approval=approved
"$OUTPOST" audit --config ms1.toml --json >audit.json
check "audit: the browser's approval, by admin" \
  jq -e 'any(.[]; .user == "admin" and .action == "agent.approve" and .target == "agent3.lab.test" and .ok)' audit.json
check "audit: the failover list set in the browser" \
  jq -e 'any(.[]; .user == "admin" and .action == "gateway.set-failover" and .ok)' audit.json
check "audit: the alert acknowledged in the browser" \
  jq -e --arg id "$id" 'any(.[]; .user == "admin" and .action == "alerts.ack" and .target == $id and .ok)' audit.json
check "audit: maintenance of agent1 started in the browser, by admin" \
  jq -e 'any(.[]; .user == "admin" and .action == "maintenance.start" and .ok)' audit.json
check "audit: and stopped" \
  jq -e 'any(.[]; .user == "admin" and .action == "maintenance.stop" and .target == "agent1.lab.test" and .ok)' audit.json
check "agent1 is out of maintenance" \
  test "$("$OUTPOST" maintenance list --config ms1.toml --json | jq 'length')" -eq 0
check "agent4 is still pending (nobody approved it)" inventory_is ms1.toml agent4.lab.test approval=pending
check "audit: the read-only user's approval refused" \
  jq -e 'any(.[]; .user == "reader" and .action == "agent.approve" and (.ok | not))' audit.json
finish

#!/usr/bin/env bash
# Alerts end to end with real processes (issue 12): two management servers share one database;
# one agent runs a plugin whose state and perfdata the test sets, and follows a log file. The
# server's [alerts] monitors turn a CRITICAL check into one alert that resolves on recovery, a
# counter above its levels into an alert that keeps its severity within the hysteresis, and log
# lines into a log alert with repeats; ack and close by hand with history; maintenance mode
# suppresses the heartbeat failure of a killed agent; kill -9 of the evaluating server hands the
# evaluation to the other (30104) without a duplicate alert; bad monitor definitions are refused
# with a line naming the key. Notifications: a command and a webhook (a local HTTPS receiver) are
# told exactly once when the CRITICAL check opens its alert and once when it resolves; a webhook
# answering 500 is retried (30106) until it takes the notification; the heartbeat alert is
# e-mailed through a local SMTP relay (STARTTLS and AUTH required) once, and not again after the
# evaluating server's kill -9. Every process is stopped by its PID; every wait is bounded.
# backends: sqlite postgres (the database is part of what this tests; see CMakeLists.txt)
source "$(dirname "$0")/lib.sh"
tools="$(cd "$(dirname "$0")/../tools" && pwd)"
cd "$TMP"

computers "Alerts Test CA" ms1 ms2 agent1

# The receivers of notifications, with certificates from the test's CA.
for name in hooks mail; do
  "$OUTPOST" ca issue --dir ca --fqdn "$name.lab.test" --out issued >/dev/null
done
/usr/bin/python3 "$tools/webhook_receiver.py" issued/hooks.lab.test.crt issued/hooks.lab.test.key \
  hook.port webhook.log hook.fail &
pids+=($!)
/usr/bin/python3 "$tools/smtp_relay.py" issued/mail.lab.test.crt issued/mail.lab.test.key \
  smtp.port mail.log outpost 's3cret pass' 2>smtp.err &
pids+=($!)
check "the webhook receiver listens" wait_for 30 test -s hook.port
check "the SMTP relay listens" wait_for 30 test -s smtp.port
printf 's3cret pass\n' >smtp-password && chmod 600 smtp-password
cat >notify.sh <<SH
#!/bin/sh
echo "\$OUTPOST_NOTIFICATION \$OUTPOST_ALERT_ID \$OUTPOST_MONITOR \$OUTPOST_ALERT_SEVERITY \$OUTPOST_COMPUTER" >>"$TMP/notified.log"
SH
chmod +x notify.sh

# The plugin: its status from ./svc.state (ok, warning, critical), perfdata load from ./svc.load.
cat >check_svc <<SH
#!/bin/sh
state=\$(cat "$TMP/svc.state")
load=\$(cat "$TMP/svc.load")
case "\$state" in
  ok) echo "SVC OK - fine | load=\$load"; exit 0 ;;
  warning) echo "SVC WARNING - slow | load=\$load"; exit 1 ;;
  *) echo "SVC CRITICAL - down | load=\$load"; exit 2 ;;
esac
SH
chmod +x check_svc
echo ok >svc.state
echo 10 >svc.load

db_url="$(database_url operations)"
server_config() {  # server_config NAME
  cat >"$1.toml" <<TOML
$(node_section "$1")
$(listen_section)
[database]
url = "$db_url"
[admission]
agents = "auto"
[heartbeat]
interval_s = 1
missed_allowed = 2
[hosts]
"hooks.lab.test" = "127.0.0.1"
"mail.lab.test" = "127.0.0.1"
[collect]
performance_interval_s = 0
[[collect.log]]
path = "$TMP/app.log"
rule = "app-errors"
pattern = "ERROR"
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
[[alerts.monitor]]
name = "svc-load"
kind = "threshold"
counter = "check.svc.load"
warning = 80
critical = 90
hysteresis = 5
[[alerts.monitor]]
name = "app-errors"
kind = "log"
rule = "app-errors"
count = 2
window_s = 600
severity = "critical"
[[alerts.notify]]
name = "script"
channel = "command"
command = ["$TMP/notify.sh"]
monitors = "svc-state"
[[alerts.notify]]
name = "hook"
channel = "webhook"
url = "https://hooks.lab.test:$(cat hook.port)/outpost"
ca_file = "$TMP/ca/ca.crt"
monitors = "svc-*"
min_severity = "critical"
timeout_s = 10
[[alerts.notify]]
name = "mail"
channel = "email"
smtp_url = "smtp://mail.lab.test:$(cat smtp.port)"
from = "outpost@lab.test"
to = ["oncall@lab.test"]
username = "outpost"
password_file = "$TMP/smtp-password"
ca_file = "$TMP/ca/ca.crt"
monitors = "heartbeat"
TOML
}
server_config ms1
server_config ms2
start_daemon server ms1
ms1_pid=$daemon_pid
port1="$(listening_port ms1)" || { not_ok "ms1 starts: $(tail -3 ms1.err)"; finish; }
check "ms1 evaluates the monitors (30104)" wait_for 30 has_event ms1 30104 "now evaluates"
start_daemon server ms2
ms2_pid=$daemon_pid
listening_port ms2 >/dev/null

cat >agent1.toml <<TOML
$(node_section agent1)
$(parent_sections ms1 "$port1")
[heartbeat]
interval_s = 1
TOML
start_daemon agent agent1
agent_pid=$daemon_pid
check "the agent is healthy" wait_for 60 inventory_is ms1.toml agent1.lab.test health=healthy
check "ms2 does not evaluate while ms1 holds the lease" \
  bash -c "! '$OUTPOST' events --state ms2 --id 30104 | grep -q 'now evaluates'"

alerts() { "$OUTPOST" alerts list --config ms1.toml --json "$@"; }
# count_alerts MONITOR [ARGS]: how many alerts of MONITOR the list shows
count_alerts() { alerts "${@:2}" | jq --arg m "$1" '[.[] | select(.monitor == $m)] | length'; }
alert_is() {  # alert_is MONITOR JQ-CONDITION [ARGS]
  alerts "${@:3}" | jq -e --arg m "$1" "[.[] | select(.monitor == \$m) | select($2)] | length == 1"
}

# --- a CRITICAL check opens one alert, resolved on recovery
echo critical >svc.state
check "a CRITICAL check opens an alert" \
  wait_for 30 alert_is svc-state '.severity == "critical" and .state == "open"'
check "ms1 logged it (30100)" has_event ms1 30100 "svc-state on agent1.lab.test"
check "the computer's health is critical" inventory_is ms1.toml agent1.lab.test health=critical
sleep 3
check "it stays one alert while the cause lasts" test "$(count_alerts svc-state)" -eq 1
id="$(alerts | jq '.[] | select(.monitor == "svc-state") | .id')"
check "ack sets the owner and the comment" \
  bash -c "'$OUTPOST' alerts ack --config ms1.toml $id --comment 'on it' | grep -q acknowledged"
check "the alert is acknowledged" alert_is svc-state '.state == "acknowledged" and .comment == "on it"'
check "a second ack changes nothing (exit 0)" \
  bash -c "'$OUTPOST' alerts ack --config ms1.toml $id | grep -q 'nothing changed'"
check "ack is logged (30102)" has_event ms1 30102 "acknowledged"
echo ok >svc.state
check "recovery resolves it" wait_for 30 alert_is svc-state '.state == "resolved"' --state resolved
check "ms1 logged the resolution (30101)" has_event ms1 30101 "svc-state on agent1.lab.test"
check "show gives its history: opened, acknowledged, resolved" \
  bash -c "'$OUTPOST' alerts show --config ms1.toml $id --json |
    jq -e '[.history[].change] == [\"opened\", \"acknowledged\", \"resolved\"]'"
check "the health is healthy again" wait_for 30 inventory_is ms1.toml agent1.lab.test health=healthy
check "the command was told once of the opening and once of the resolution" \
  wait_for 30 bash -c "[ \$(grep -c '^opened $id svc-state critical agent1.lab.test\$' notified.log) -eq 1 ] &&
    [ \$(grep -c '^resolved $id svc-state' notified.log) -eq 1 ]"
hook_is() {  # hook_is EVENT: one webhook body for alert $id with that notification
  [ "$(jq -c --argjson id "$id" --arg e "$1" \
    'select(.alert.id == $id and .notification == $e)' webhook.log | wc -l)" -eq 1 ]
}
check "the webhook got the opening once, with the documented body" \
  wait_for 30 bash -c "$(declare -f hook_is); id=$id; hook_is opened"
check "and the resolution once" wait_for 30 bash -c "$(declare -f hook_is); id=$id; hook_is resolved"
check "the body names the computer, monitor, severity and group" \
  jq -s -e --argjson id "$id" '[.[] | select(.alert.id == $id and .notification == "opened")][0] |
    .alert.computer == "agent1.lab.test" and .alert.monitor == "svc-state" and
    .alert.severity == "critical" and .management_group == "LAB" and .sent_by == "ms1.lab.test"' \
  webhook.log
check "alerts notifications lists the four deliveries as sent" \
  bash -c "[ \$('$OUTPOST' alerts notifications --config ms1.toml --alert $id --json |
    jq '[.[] | select(.state == \"sent\")] | length') -eq 4 ]"
check "a delivery is logged (30105)" has_event ms1 30105 "Notified hook (webhook) of alert $id"
expect_fail "an unknown alert id exits non-zero and says so" "there is no alert 999999" \
  "$OUTPOST" alerts show --config ms1.toml 999999

# --- a counter above its levels, with hysteresis; its webhook first answers 500
touch hook.fail
echo 95 >svc.load
check "load 95 is a critical svc-load alert" \
  wait_for 30 alert_is svc-load '.severity == "critical" and .state == "open"'
load_id="$(alerts | jq '.[] | select(.monitor == "svc-load") | .id')"
check "a webhook answering 500 is a failed attempt (30106), to be retried" \
  wait_for 30 has_event ms1 30106 "Notifying hook (webhook) of alert $load_id failed (attempt 1 of 10); retrying"
rm hook.fail
check "the retry delivers it" wait_for 60 bash -c "jq -s -e --argjson id $load_id \
  '[.[] | select(.alert.id == \$id and .notification == \"opened\")] | length == 1' webhook.log"
echo 87 >svc.load
sleep 4
check "87 is within the hysteresis (90 - 5): still critical, the same alert" \
  alert_is svc-load ".severity == \"critical\" and .id == $load_id"
echo 82 >svc.load
check "82 is a warning: the same alert, lower severity" \
  wait_for 30 alert_is svc-load ".severity == \"warning\" and .id == $load_id"
echo 10 >svc.load
check "10 resolves it" wait_for 30 alert_is svc-load ".id == $load_id" --state resolved

# --- log lines: an alert after two within the window, repeats counted, closed by hand
sleep 1
echo "ERROR one" >>app.log
sleep 3
check "one line is below the monitor's count: no alert" test "$(count_alerts app-errors)" -eq 0
echo "ERROR two" >>app.log
check "the second line opens a log alert" \
  wait_for 30 alert_is app-errors '.severity == "critical"'
log_id="$(alerts | jq '.[] | select(.monitor == "app-errors") | .id')"
echo "ERROR three" >>app.log
check "a further line is a repeat of the same alert" \
  wait_for 30 alert_is app-errors ".id == $log_id and .repeat_count >= 1"
"$OUTPOST" alerts close --config ms1.toml "$log_id" --comment "known issue" >/dev/null
check "close by hand" alert_is app-errors ".state == \"closed\"" --state closed
echo "ERROR four" >>app.log
sleep 4
check "no new alert opens while the closed one's cause lasts" \
  test "$(count_alerts app-errors --state all)" -eq 1

# --- maintenance mode suppresses the heartbeat failure
check "maintenance start" \
  bash -c "'$OUTPOST' maintenance start --config ms1.toml --computer agent1.lab.test \
    --minutes 30 --reason patching | grep -q 'In maintenance until'"
check "maintenance list shows it" \
  bash -c "'$OUTPOST' maintenance list --config ms1.toml | grep -q patching"
kill -9 "$agent_pid"
check "the killed agent in maintenance shows health maintenance" \
  wait_for 30 inventory_is ms1.toml agent1.lab.test health=maintenance heartbeat=heartbeat_failure
sleep 4
check "no heartbeat alert opens in maintenance" test "$(count_alerts heartbeat --state all)" -eq 0
"$OUTPOST" maintenance stop --config ms1.toml --computer agent1.lab.test >/dev/null
check "out of maintenance, the heartbeat failure is an alert" \
  wait_for 30 alert_is heartbeat '.severity == "critical" and (.summary | contains("Heartbeat Failure"))'
check "it is e-mailed through the relay, after STARTTLS and AUTH" \
  wait_for 30 grep -q "Subject: \[LAB\] opened critical heartbeat on agent1.lab.test" mail.log
check "to the subscription's recipient" grep -q "RCPT oncall@lab.test" mail.log

# --- kill -9 of the evaluating server: ms2 takes over, no duplicate. agent1 reported to ms1, so
# it is now shown unreachable through it (its alert resolves) and ms1 has the heartbeat alert.
kill -9 "$ms1_pid"
check "ms2 takes over the evaluation (30104)" wait_for 60 has_event ms2 30104 "now evaluates"
all_alerts() { "$OUTPOST" alerts list --config ms2.toml --state all --json; }
ms1_alert() { all_alerts | jq -e '[.[] | select(.computer == "ms1.lab.test" and
  .monitor == "heartbeat" and .state == "open")] | length == 1'; }
check "the dead server has one heartbeat alert, opened by ms2" wait_for 30 ms1_alert
check "agent1, behind it, is unreachable and its own alert resolved" \
  wait_for 30 bash -c "'$OUTPOST' alerts list --config ms2.toml --state resolved --json |
    jq -e '[.[] | select(.computer == \"agent1.lab.test\" and .monitor == \"heartbeat\")] | length == 1'"
check "the inventory says why: agent1 unreachable" \
  inventory_is ms2.toml agent1.lab.test health=unreachable
sleep 3
check "the alert closed by hand before the failover is still the only one of its monitor" \
  test "$(all_alerts | jq '[.[] | select(.monitor == "app-errors")] | length')" -eq 1
check "agent1's heartbeat failure was e-mailed once: ms2 did not send it again" \
  test "$(grep -c "Subject: \[LAB\] opened critical heartbeat on agent1" mail.log)" -eq 1
check "the dead server's is e-mailed by ms2" \
  wait_for 30 grep -q "Subject: \[LAB\] opened critical heartbeat on ms1.lab.test" mail.log

# --- bad monitor definitions: one line naming the key
bad() {  # bad NAME "words" TOML-LINES...
  local name="$1" words="$2"; shift 2
  { node_section ms1; listen_section; printf '[database]\nurl = "%s"\n[alerts]\n' "$db_url"
    printf '%s\n' "$@"; } >bad.toml
  expect_fail "$name" "$words" "$OUTPOST" server --config bad.toml
}
bad "a monitor without a kind" "[[alerts.monitor]] #1 kind is missing" \
  '[[alerts.monitor]]' 'name = "x"'
bad "a misspelt key" "unknown key 'treshold' in [[alerts.monitor]] #1" \
  '[[alerts.monitor]]' 'name = "x"' 'kind = "threshold"' 'counter = "c"' 'treshold = 3'
bad "a threshold without levels" "warning is missing" \
  '[[alerts.monitor]]' 'name = "x"' 'kind = "threshold"' 'counter = "c"'
bad "levels in the wrong order" "warning = 95: expected a level the value reaches before" \
  '[[alerts.monitor]]' 'name = "x"' 'kind = "threshold"' 'counter = "c"' 'warning = 95' \
  'critical = 90'
bad "a built-in name" 'name = "heartbeat"' \
  '[[alerts.monitor]]' 'name = "heartbeat"' 'kind = "check"' 'check = "*"'
bad "an unknown section key" "unknown key 'interval' in [alerts]" 'interval = 3'
finish

#!/usr/bin/env bash
# Collection rules from the configuration service, end to end with real processes: the server's
# [collect] section reaches the agent (21025), which follows a log file and runs a check (a
# monitoring plugin: exit status, first line, perfdata) by those rules instead of its own; the
# results are in the database (outpost events / perf --computer) and the check's status in the
# inventory. A changed section (SIGHUP on the server) reaches the agent without a reconnection.
# Every process is stopped by its PID; every wait is bounded.
source "$(dirname "$0")/lib.sh"
cd "$TMP"

computers "Collect Test CA" ms1 agent1

# A plugin of our own: WARNING, a first line, perfdata.
cat >check_queue_depth <<'SH'
#!/bin/sh
echo "QUEUE WARNING - 42 messages waiting | depth=42;10;100;0 age=7s"
echo "second line, not kept"
exit 1
SH
chmod +x check_queue_depth

db_url="$(database_url ms1)"
server_config() {  # server_config PATTERN
  cat >ms1.toml <<TOML
$(node_section ms1)
[listen]
address = "127.0.0.1"
port = 0
[database]
url = "$db_url"
[admission]
agents = "auto"
[heartbeat]
interval_s = 1
[collect]
performance_interval_s = 0
[[collect.log]]
path = "$TMP/app.log"
rule = "app-errors"
pattern = "$1"
level = "error"
[[collect.check]]
name = "queue"
command = ["$TMP/check_queue_depth"]
interval_s = 2
timeout_s = 10
TOML
}
server_config "ERROR"
"$OUTPOST" server --config ms1.toml 2>ms1.err &
server_pid=$!
pids+=("$server_pid")
wait_for 30 has_event ms1 30020 listens
port="$(port_of ms1)"

cat >agent1.toml <<TOML
$(node_section agent1)
[parents]
servers = ["ms1.lab.test:$port"]
[heartbeat]
interval_s = 1
[hosts]
"ms1.lab.test" = "127.0.0.1"
[collect]
performance_interval_s = 0
TOML
"$OUTPOST" agent --config agent1.toml 2>agent1.err &
pids+=($!)
check "the agent receives the server's configuration (21025)" \
  wait_for 30 has_event agent1 21025 "New configuration received"
check "its status says the collection rules were received" \
  bash -c "'$OUTPOST' status --config agent1.toml --json | jq -e '.configuration.collect == \"received\"'"

events() { "$OUTPOST" events --config ms1.toml --computer agent1.lab.test --json; }
has_line() { events | jq -e --arg m "$1" '[.[] | select(.data.message == $m)] | length == 1' >/dev/null; }
sleep 2  # the follower has seen that app.log does not exist yet: it reads it from its start
printf 'INFO all good\nERROR disk on fire\n' >>app.log
check "a line that matches the received rule is an event in the database" \
  wait_for 30 has_line "ERROR disk on fire"
event="$(events | jq -c '.[] | select(.data.message == "ERROR disk on fire")')"
check "the event carries the rule and the level" \
  test "$(jq -r '"\(.data.rule) \(.data.level)"' <<<"$event")" = "app-errors error"
check "a line that does not match is not" \
  bash -c "! '$OUTPOST' events --config ms1.toml --computer agent1.lab.test | grep -q 'all good'"

check "the check's status is in the inventory (warning)" \
  wait_for 30 inventory_is ms1.toml agent1.lab.test checks=warning
perf() { "$OUTPOST" perf --config ms1.toml --computer agent1.lab.test --counter "$1" --json; }
check "the check's perfdata are samples (check.queue.depth = 42)" \
  test "$(perf check.queue.depth | jq '.[-1].data.value')" = 42
check "with their unit (check.queue.age = 7 s)" \
  test "$(perf check.queue.age | jq -r '"\(.[-1].data.value) \(.[-1].data.unit)"')" = "7 s"

# --- a changed rule on the server reaches the agent without a reconnection
connections="$("$OUTPOST" events --state agent1 --id 30022 | grep -c Connected)"
server_config "FATAL"
kill -HUP "$server_pid"
check "the server reloads (30024)" wait_for 30 has_event ms1 30024 "Reloaded"
check "the agent receives the new configuration (a second 21025)" \
  wait_for 60 bash -c "[ \$('$OUTPOST' events --state agent1 --id 21025 | wc -l) -ge 2 ]"
sleep 2
printf 'ERROR not any more\nFATAL out of memory\n' >>app.log
check "the new rule applies" wait_for 30 has_line "FATAL out of memory"
check "the old rule does not" \
  bash -c "! '$OUTPOST' events --config ms1.toml --computer agent1.lab.test | grep -q 'not any more'"
check "the agent did not reconnect for it" \
  test "$("$OUTPOST" events --state agent1 --id 30022 | grep -c Connected)" -eq "$connections"

# --- rules that do not parse: the reload is refused and the agents keep theirs
server_config "(unclosed"
kill -HUP "$server_pid"
check "a reload with a bad pattern is refused (30025) and names it" \
  wait_for 30 has_event ms1 30025 "(unclosed"
printf 'FATAL still watched\n' >>app.log
check "the agent still runs the rules in force" wait_for 30 has_line "FATAL still watched"

# --- a mistyped computer name is said to be unknown (30018), not answered with nothing
expect_fail "events --computer with an unknown name says so (30018)" \
  "[event 30018] the management group knows no computer named 'agent11.lab.test'" \
  "$OUTPOST" events --config ms1.toml --computer agent11.lab.test
expect_fail "perf --computer with an unknown name says so" "knows no computer named" \
  "$OUTPOST" perf --config ms1.toml --computer nosuch.lab.test --counter cpu.percent
check "a known computer with nothing of that kind is an empty answer, not an error" \
  "$OUTPOST" perf --config ms1.toml --computer agent1.lab.test --counter no.such.counter
finish

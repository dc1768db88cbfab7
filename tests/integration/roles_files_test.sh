#!/usr/bin/env bash
# Findings 5 and 6 of issue 11, as an operator meets them. Roles: an agent's name is refused as a
# gateway (30011) and so is the server itself, --change-role changes a role on purpose (30012),
# an agent that claims the gateway role is not told to get approved, agent forget (30014), and
# the exit status of commands that change nothing (30013). Files: the database is owner-only
# (and tightened with 30017), a CA key others can read is refused (30007), a daemon never
# creates its state directory (30016), and a server whose port is busy creates no database.
source "$(dirname "$0")/lib.sh"
cd "$TMP"

computers "Roles Test CA" ms1 agent1
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
TOML

# try COMMAND...: runs it; its exit status in $code, its output (both streams) in $out.
try() { out="$("$@" 2>&1)" && code=0 || code=$?; }

# --- files: the CA key, the state directory, a busy port
chmod 644 ca/ca.key
expect_fail "ca issue refuses a CA key others can read (30007)" "[event 30007]" \
  "$OUTPOST" ca issue --dir ca --fqdn x.lab.test --out issued
expect_fail "... and says chmod 600" "chmod 600" \
  "$OUTPOST" ca sign --dir ca --csr /dev/null --out x.crt
chmod 600 ca/ca.key

sed 's/^state_dir = .*/state_dir = "missing"/; s|operations.db|missing.db|' ms1.toml >missing.toml
expect_fail "a server without its state directory refuses to start (30016)" "[event 30016]" \
  "$OUTPOST" server --config missing.toml
check "... and creates neither the directory" test ! -e missing
check "... nor the database" test ! -e ms1/missing.db

"$OUTPOST" gateway approve --config ms1.toml --gateway gw1.lab.test >/dev/null  # creates the DB
check "a database the command line creates is 0600" test "$(stat -c %a ms1/operations.db)" = 600
chmod 644 ms1/operations.db
"$OUTPOST" server --config ms1.toml 2>ms1.err &
pids+=($!)
wait_for 30 has_event ms1 30020 "listens on"
port="$(port_of ms1)"
check "a wider database is tightened at start (30017)" has_event ms1 30017 "had mode 0644"
for f in operations.db operations.db-wal operations.db-shm; do
  check "$f is 0600" test "$(stat -c %a "ms1/$f")" = 600
done

install -d -m 700 busy  # a state directory of its own, with ms1's certificate: only the port fails
cp -a ms1/pki ms1/machine-settings.toml busy/
sed "s/^state_dir = .*/state_dir = \"busy\"/; s|ms1/operations.db|busy/operations.db|; s/^port = 0/port = $port/" \
  ms1.toml >busy.toml
expect_fail "a server whose port is busy does not start" "" "$OUTPOST" server --config busy.toml
check "... and created no database" test ! -e busy/operations.db

# --- roles
cat >agent1.toml <<TOML
$(node_section agent1)
[parents]
servers = ["ms1.lab.test:$port"]
[heartbeat]
interval_s = 1
[hosts]
"ms1.lab.test" = "127.0.0.1"
TOML
"$OUTPOST" agent --config agent1.toml 2>agent1.err &
agent_pid=$!
pids+=("$agent_pid")
wait_for 30 has_event ms1 20000 "agent1.lab.test"
try "$OUTPOST" gateway approve --config ms1.toml --gateway agent1.lab.test
check "an agent's name is refused as a gateway (exit 1)" test "$code" = 1
check "... with 30011, saying it is known as an agent" \
  contains "$out" "[event 30011] agent1.lab.test is known as an agent"
try "$OUTPOST" gateway approve --config ms1.toml --gateway ms1.lab.test --change-role
check "the server itself is refused as a gateway" test "$code" = 1
check "... with 30011" contains "$out" "is this management server"
check "the refusals are in the server's event log" has_event ms1 30011 "known as an agent"

# agent1's own certificate, claiming the gateway role: the Reject does not advise approving it.
cp -a agent1 agent1gw
sed 's/^state_dir = .*/state_dir = "agent1gw"/' agent1.toml >agent1gw.toml
printf '[listen]\naddress = "127.0.0.1"\nport = 0\n' >>agent1gw.toml
"$OUTPOST" gateway --config agent1gw.toml 2>agent1gw.err &
gw_pid=$!
pids+=("$gw_pid")
check "an agent claiming the gateway role is told it is known as an agent" \
  wait_for 30 has_event agent1gw 20070 "is known as an agent"
check "... and never told to run gateway approve" \
  bash -c "! '$OUTPOST' events --state agent1gw --id 20070 | grep -q 'gateway approve'"
kill "$gw_pid"

try "$OUTPOST" gateway approve --config ms1.toml --gateway agent1.lab.test --change-role
check "--change-role approves it anyway (exit 0)" test "$code" = 0
check "... warning with 30012" contains "$out" "warning [event 30012] agent1.lab.test was an agent"
check "... logged" has_event ms1 30012 "it is now a gateway"
check "its role is gateway now" inventory_is ms1.toml agent1.lab.test role=gateway
kill "$agent_pid"
check "gateway remove" "$OUTPOST" gateway remove --config ms1.toml --gateway agent1.lab.test

# --- commands that change nothing
try "$OUTPOST" gateway approve --config ms1.toml --gateway gw1.lab.test
check "approving an approved gateway again: exit 0" test "$code" = 0
check "... saying nothing changed" contains "$out" "already approved"
try "$OUTPOST" gateway remove --config ms1.toml --gateway nobody.lab.test
check "removing an unknown gateway: exit 3" test "$code" = 3
check "... with 30013" contains "$out" "[event 30013]"
try "$OUTPOST" agent reject --config ms1.toml --agent nobody.lab.test
check "rejecting an unknown agent: exit 3" test "$code" = 3
check "the no-ops are logged (30013)" has_event ms1 30013 "nobody.lab.test"

# --- agent forget, and junk names an old gateway may have stored
sqlite3 ms1/operations.db "INSERT INTO computers (fqdn, role, approval, first_seen_ms) VALUES
  ('not a name!', 'agent', 'pending', 0), ('agent9.lab.test', 'agent', 'approved', 0)"
check "a junk pending name can be rejected" \
  "$OUTPOST" agent reject --config ms1.toml --agent "not a name!"
try "$OUTPOST" agent forget --config ms1.toml --agent "not a name!"
check "... and forgotten (exit 0)" test "$code" = 0
check "... logged as 30014" has_event ms1 30014 "not a name!"
check "it is gone from agent list" \
  bash -c "! '$OUTPOST' agent list --config ms1.toml | grep -q 'not a name'"
try "$OUTPOST" agent forget --config ms1.toml --agent "not a name!"
check "forgetting it again: exit 3" test "$code" = 3
try "$OUTPOST" agent forget --config ms1.toml --agent agent9.lab.test
check "an approved agent is not forgotten (exit 1)" test "$code" = 1
check "... the message says to reject it first" contains "$out" "reject it first"

finish

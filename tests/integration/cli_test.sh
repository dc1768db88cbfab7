#!/usr/bin/env bash
# The command line as a user meets it: help everywhere, one-line reasons and non-zero exits on
# failure, configuration errors that name the key, JSON where the output is data.
# backends: sqlite postgres (the database is part of what this tests; see CMakeLists.txt)
source "$(dirname "$0")/lib.sh"
cd "$TMP"

for cmd in "" "ca" "ca init" "ca issue" "ca sign" "ca list" "cert" "cert request" "cert trust" \
  "cert import" "cert show" "cert verify" "events" "server" "agent" "agent pending" \
  "agent approve" "agent reject" "agent forget" "agent list" "gateway" "gateway approve" "gateway remove" \
  "gateway list" "inventory"; do
  # shellcheck disable=SC2086
  check "outpost $cmd --help" "$OUTPOST" $cmd --help
done

check "outpost --version exits 0" "$OUTPOST" --version
check "outpost --version prints the version" contains "$("$OUTPOST" --version)" "outpost 0.1.0"

# failure_line NAME EVENT WORDS COMMAND...: COMMAND exits 1, prints nothing on stdout and exactly
# one line on stderr, "outpost: [event EVENT] ..." containing WORDS.
failure_line() {
  local name="$1" event="$2" words="$3"; shift 3
  local out rc=0
  out="$("$@" 2>failure.err)" || rc=$?
  local err; err="$(cat failure.err)"
  if [ "$rc" -eq 1 ] && [ -z "$out" ] && [ "$(wc -l <failure.err)" -eq 1 ] &&
    [[ "$err" == "outpost: [event $event] "* ]] && contains "$err" "$words"; then
    ok "$name"
  else
    not_ok "$name (exit $rc, wanted 1 and one line '[event $event] ...$words...')"
    printf '%s\n%s\n' "$out" "$err" | sed 's/^/    /'
  fi
}
# usage_error NAME WORDS COMMAND...: a command line that is not understood is 30019, exit 1, and
# the fix names the --help of the subcommand concerned.
usage_error() {
  local name="$1" words="$2"; shift 2
  failure_line "$name" 30019 "$words" "$@"
  contains "$(cat failure.err)" "--help' for its options" || not_ok "$name: the fix names --help"
}

usage_error "a missing required option" "--name is required. Fix: run 'outpost ca init --help'" \
  "$OUTPOST" ca init --dir X
usage_error "an unknown option" "--bogus" "$OUTPOST" ca list --dir X --bogus
usage_error "an unknown subcommand" "'frobnicate' is not a subcommand of 'outpost'" \
  "$OUTPOST" frobnicate
usage_error "an unknown subcommand of ca" "'frob' is not a subcommand of 'outpost ca'" \
  "$OUTPOST" ca frob
usage_error "a missing subcommand" "run 'outpost cert --help'" "$OUTPOST" cert
usage_error "a bad --key value" "--key: dsa not in {rsa2048,rsa3072,ec256}" \
  "$OUTPOST" ca init --dir c --name X --key dsa
usage_error "a value out of range" "--limit" "$OUTPOST" events --state s --limit 0
usage_error "options that exclude each other" "--state excludes --config" \
  "$OUTPOST" cert show --state s --config x.toml
usage_error "agent approve without a name" "run 'outpost agent approve --help'" \
  "$OUTPOST" agent approve --config x.toml
usage_error "an agent without --config" "--config is required" "$OUTPOST" agent
# Argument errors found after parsing are 30019 too.
failure_line "--days out of range" 30019 "--days 0 is out of range" \
  "$OUTPOST" ca init --dir d0 --name X --days 0
failure_line "cert request with a name that is not a host" 30019 "not a valid FQDN" \
  "$OUTPOST" cert request --fqdn 'bad name' --out r0
failure_line "events --computer without --config" 30019 "--computer needs --config" \
  "$OUTPOST" events --state s --computer a.lab.test
failure_line "cert import without a name" 30019 "no FQDN given" \
  "$OUTPOST" cert import --state s --cert x.crt
failure_line "no state directory" 30019 "no state directory given" "$OUTPOST" cert show
expect_fail "ca issue without a CA folder" "is not a CA folder" \
  "$OUTPOST" ca issue --dir nowhere --fqdn a.lab.test --out x
expect_fail "ca issue with a name that is not a host" "not a valid FQDN" \
  bash -c "'$OUTPOST' ca init --dir c2 --name X --key ec256 >/dev/null && '$OUTPOST' ca issue --dir c2 --fqdn 'bad name' --out x"
expect_fail "ca init refuses to overwrite" "already holds a CA" "$OUTPOST" ca init --dir c2 --name Y
expect_fail "cert request refuses to overwrite a key" "already exists" \
  bash -c "'$OUTPOST' cert request --fqdn a.lab.test --out r >/dev/null && '$OUTPOST' cert request --fqdn a.lab.test --out r"
expect_fail "cert trust refuses a computer certificate" "not a CA certificate" \
  bash -c "'$OUTPOST' ca issue --dir c2 --fqdn a.lab.test --out i >/dev/null && '$OUTPOST' cert trust --state s i/a.lab.test.crt"
expect_fail "cert import with nothing to import" "nothing to import" \
  "$OUTPOST" cert import --state s --fqdn a.lab.test
expect_fail "cert show with nothing imported (20066)" "[event 20066]" "$OUTPOST" cert show --state s

expect_fail "ca issue never overwrites an issued key" "already exists" \
  "$OUTPOST" ca issue --dir c2 --fqdn a.lab.test --out i
mkdir -p shared && chmod 755 shared
"$OUTPOST" cert request --fqdn b.lab.test --out shared >/dev/null
check "an existing --out folder keeps its mode" test "$(stat -c %a shared)" = 755
expect_fail "events on a state directory that does not exist" "is not a state directory" \
  "$OUTPOST" events --state no-such-dir

# Several admin commands opening a new database at once: one migrates, none fails.
race_url="$(database_url race)"
cat >srv.toml <<TOML
[node]
fqdn = "ms1.lab.test"
management_group = "LAB"
state_dir = "srv"
[database]
url = "$race_url"
TOML
race_pids=()
for i in 1 2 3 4 5 6 7 8; do
  "$OUTPOST" gateway list --config srv.toml >"race.$i" 2>&1 &
  race_pids+=($!)
done
race_failures=0
race_i=0
for pid in "${race_pids[@]}"; do
  race_i=$((race_i + 1))
  wait "$pid" || { race_failures=$((race_failures + 1)); sed 's/^/    /' "race.$race_i"; }
done
check "eight admin commands on a new database all succeed" test "$race_failures" -eq 0
check "gateway approve prints Operations Manager's sentence" \
  contains "$("$OUTPOST" gateway approve --config srv.toml --gateway gw1.lab.test)" \
  "The approval of server gw1.lab.test completed successfully."
check "gateway list shows it" contains "$("$OUTPOST" gateway list --config srv.toml)" "gw1.lab.test"
failure_line "server-initiated approval needs an address" 30019 \
  "--server-initiates needs --address" \
  "$OUTPOST" gateway approve --config srv.toml --gateway gw2.lab.test --server-initiates

# Failures are one line.
lines="$("$OUTPOST" ca issue --dir nowhere --fqdn a.lab.test --out x 2>&1 | wc -l || true)"
check "a failure is one line" test "$lines" -eq 1

# Configuration errors name the file, the key, the value and what is expected.
cat >bad.toml <<TOML
$(node_section gw1)
[heartbeat]
interval_s = "often"
TOML
expect_fail "a bad configuration value is explained" \
  "bad.toml: [heartbeat] interval_s = \"often\": expected an integer from 1 to 86400" \
  "$OUTPOST" events --config bad.toml
cat >typo.toml <<TOML
$(node_section gw1)
[parents]
server = ["ms1.lab.test"]
TOML
expect_fail "a misspelt key is an error" "unknown key 'server' in [parents]" \
  "$OUTPOST" events --config typo.toml

# --config works wherever --state does, with state_dir relative to the file.
cat >gw1.toml <<TOML
[node]
fqdn = "a.lab.test"
management_group = "LAB"
state_dir = "gw1"
TOML
"$OUTPOST" cert trust --config gw1.toml c2/ca.crt >/dev/null
check "import through --config takes the FQDN from [node] fqdn" \
  "$OUTPOST" cert import --config gw1.toml --cert i/a.lab.test.crt --key i/a.lab.test.key
check "the state directory is the one the config names" test -f gw1/machine-settings.toml
json="$("$OUTPOST" cert show --config gw1.toml --json)"
check "cert show --json has the reversed serial" contains "$json" "\"serial_reversed\": \"$(setting gw1 ChannelCertificateSerialNumber)\""
check "cert verify --json says ok" contains "$("$OUTPOST" cert verify --config gw1.toml --json)" '"ok": true'
check "ca list --json" contains "$("$OUTPOST" ca list --dir c2 --json)" '"subject": "CN=a.lab.test"'
check "events --json" contains "$("$OUTPOST" events --config gw1.toml --json)" '"id": 20053'
check "events --since 1h" contains "$("$OUTPOST" events --config gw1.toml --since 1h)" "20053"
check "events --since in the future shows nothing" \
  test -z "$("$OUTPOST" events --config gw1.toml --since 2099-01-01)"
failure_line "events --since nonsense" 30019 "is not a time" \
  "$OUTPOST" events --config gw1.toml --since soon
failure_line "status of a node that is not running" 30027 "is not running: nothing answers on" \
  "$OUTPOST" status --config gw1.toml
check "events --catalogue lists 20053" contains "$("$OUTPOST" events --catalogue)" "20053"

finish

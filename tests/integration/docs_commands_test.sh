#!/usr/bin/env bash
# Every command example in the code blocks of README.md and docs/operations.md, run against a live
# management group laid out as the docs lay it out (/etc/outpost, /var/lib/outpost, /srv/outpost-ca
# and /root under $TMP): none may be a command-line error (30019: an option renamed or removed
# since the docs were written), and the read-only ones (inventory, status, events, perf, doctor,
# lists, alerts list and notifications, maintenance list, refusals, cert show/verify) must succeed. The
# README's synopsis lines (`outpost ca init|issue|sign|list`) must name subcommands that exist.
# The daemons of the group are started with the documented daemon commands themselves.
source "$(dirname "$0")/lib.sh"
root="$(cd "$(dirname "$0")/../.." && pwd)"
mkdir -p "$TMP/etc" "$TMP/var" "$TMP/srv" "$TMP/root/outpost-import" "$TMP/work" "$TMP/log"

# --- the group: ms1 (SQLite), gw1, agent1 behind gw1, as docs/operations.md names them
cd "$TMP/var"
computers "Docs Test CA" ms1 gw1 agent1
hosts() {
  printf '[hosts]\n"ms1.lab.test" = "127.0.0.1"\n"gw1.lab.test" = "127.0.0.1"\n'
  printf '"agent1.lab.test" = "127.0.0.1"\n'
}
cat >"$TMP/etc/ms1.toml" <<TOML
[node]
fqdn = "ms1.lab.test"
management_group = "LAB"
state_dir = "$TMP/var/ms1"
$(listen_section)
[database]
url = "sqlite://$TMP/var/ms1/operations.db"
[admission]
agents = "review"
[heartbeat]
interval_s = 2
$(hosts)
TOML

# The documented command lines: code blocks only (inline spans are fragments of prose), with
# continuation lines joined, comments and the README's description column dropped. An output
# line ("outpost doctor: agent1...") is not a command.
documented() {
  awk 'FNR == 1 { block = 0 } /^ *```/ { block = !block; next }
       block { print FILENAME "\t" $0 }' "$root/README.md" "$root/docs/operations.md" |
    awk -F'\t' '{ line = $2; sub(/^ *(\$ )?/, "", line) }
       pending != "" { line = pending " " line; pending = "" }
       line ~ /\\$/ { sub(/ *\\$/, "", line); pending = line; file = $1; next }
       line ~ /^outpost [a-z-]/ && line !~ /^outpost [a-z]+:/ { print $1 "\t" line }'
}

# The docs' paths and placeholders, mapped onto this group.
localize() {
  sed -e "s|   *[a-z(].*||" -e "s|/etc/outpost/|$TMP/etc/|g" -e "s|/var/lib/outpost/|$TMP/var/|g" \
    -e "s|/srv/outpost-ca|$TMP/srv/outpost-ca|g" -e "s|/root/|$TMP/root/|g" \
    -e "s|/var/log/outpost/|$TMP/log/|g" \
    -e "s| *#.*||" -e "s|\[--json\]|--json|g" -e "s| \[--[a-z]* [A-Za-z0-9]*\]||g" \
    -e "s|SERVER\.toml|$TMP/etc/ms1.toml|g" -e "s|--config FILE|--config $TMP/etc/gw1.toml|g" \
    -e "s|--config ms1\.toml|--config $TMP/etc/ms1.toml|g" \
    -e "s|--state DIR|--state $TMP/var/gw1|g" -e "s|--computer C\b|--computer agent1.lab.test|g" \
    -e "s|--computer FQDN|--computer agent1.lab.test|g" -e "s|CERT\.crt|gw1.lab.test.crt|g"
}

# The README's synopsis: "outpost a|b sub1|sub2  description" and "outpost x / y": each word
# path must be a command (its --help exits 0).
synopsis_paths() {
  local line="$1" words first rest
  words="$(sed -E 's/  .*//; s/ --.*//; s/^outpost //' <<<"$line")"
  if [[ "$words" == *" / "* ]]; then
    synopsis_paths "outpost ${words%% / *}"
    synopsis_paths "outpost ${words#* / }"
    return
  fi
  read -r first rest <<<"$words"
  local a b
  for a in ${first//|/ }; do
    if [ -z "$rest" ]; then echo "$a"; continue; fi
    for b in ${rest//|/ }; do echo "$a $b"; done
  done
}

# --- start the group with the documented daemon commands
daemon_line() { documented | cut -f2 | grep -m1 "^outpost $1 --config /etc/outpost/"; }
run_documented() {  # run_documented ROLE NAME: ROLE's documented daemon command, in the background
  # shellcheck disable=SC2046  # the documented line, word-split as a shell would
  $(daemon_line "$1" | localize | sed "s|^outpost|$OUTPOST|") 2>"$TMP/log/$2.err" &
  pids+=($!)
}
for role in server gateway agent; do
  check "docs/operations.md shows how to run a $role" test -n "$(daemon_line "$role")"
done
cd "$TMP/work"
run_documented server ms1
check "the documented server command starts ms1" wait_for 30 has_event "$TMP/var/ms1" 30020 listens
ms_port="$(port_of "$TMP/var/ms1")"
cat >"$TMP/etc/gw1.toml" <<TOML
[node]
fqdn = "gw1.lab.test"
management_group = "LAB"
state_dir = "$TMP/var/gw1"
$(listen_section)
[parents]
servers = ["ms1.lab.test:$ms_port"]
$(hosts)
TOML
"$OUTPOST" gateway approve --config "$TMP/etc/ms1.toml" --gateway gw1.lab.test >/dev/null
run_documented gateway gw1
check "the documented gateway command starts gw1" \
  wait_for 30 has_event "$TMP/var/gw1" 30022 "Connected to ms1.lab.test"
gw_port="$(port_of "$TMP/var/gw1")"
cat >"$TMP/etc/agent1.toml" <<TOML
[node]
fqdn = "agent1.lab.test"
management_group = "LAB"
state_dir = "$TMP/var/agent1"
[parents]
servers = ["gw1.lab.test:$gw_port"]
$(hosts)
TOML
run_documented agent agent1
pending() { "$OUTPOST" agent pending --config "$TMP/etc/ms1.toml" | grep -q agent1.lab.test; }
check "the documented agent command starts agent1 (pending)" wait_for 30 pending
"$OUTPOST" agent approve agent1.lab.test --config "$TMP/etc/ms1.toml" >/dev/null
check "the group runs: agent1 healthy through gw1" wait_for 60 inventory_is "$TMP/etc/ms1.toml" \
  agent1.lab.test health=healthy parent=gw1.lab.test
# gw1 has no [heartbeat]: its agents still heartbeat at the group's interval (2 s), not at the
# gateway's own default of 60 s (the doctor views below would see a heartbeat failure).
last_beat() {
  "$OUTPOST" inventory --config "$TMP/etc/ms1.toml" --json |
    jq -r '.[] | select(.fqdn == "agent1.lab.test") | .last_heartbeat'
}
first_beat="$(last_beat)"
beat_moved() { [ "$(last_beat)" != "$first_beat" ]; }
check "agent1 behind gw1 heartbeats at the group's interval" wait_for 20 beat_moved

# Files the examples name, as an operator would have them: the CA of the examples is a fresh one
# made by the documented `ca init` (run in order below); these are this group's own.
cp "$TMP/var/ca/ca.crt" "$TMP/root/outpost-import/ca.crt"
cp "$TMP/var/ca/ca.crt" ca.crt
cp "$TMP/var/ca/ca.crt" contoso-root.crt
cp "$TMP/var/ca/ca.crt" contoso-issuing.crt
"$OUTPOST" ca issue --dir "$TMP/var/ca" --fqdn gw1.lab.test --out . >/dev/null
cp gw1.lab.test.crt "$TMP/root/outpost-import/" && cp gw1.lab.test.key "$TMP/root/outpost-import/"
cp gw1.lab.test.crt gw1.lab.test.cer
cat gw1.lab.test.crt "$TMP/var/ca/ca.crt" >gw1.lab.test-chain.crt
printf 'docs-test-password\n' >"$TMP/root/pfx-password"
for u in alice alice-new ops; do  # the console users' password files (operations.md)
  printf 'docs test password for %s\n' "$u" >"$TMP/root/$u.pw"
done
openssl pkcs12 -export -in gw1.lab.test.crt -inkey gw1.lab.test.key -out gw1.pfx \
  -passout file:"$TMP/root/pfx-password" 2>/dev/null

# --- every documented command, in the order of the docs
read_only='^outpost (inventory|status|events|perf|doctor|agent (list|pending)|gateway list|cert (show|verify)|ca list|alerts (list|notifications)|maintenance list|refusals)( |$)'
count=0
while IFS=$'\t' read -r file line; do
  name="${file##*/}: $line"
  if [[ "$line" =~ ^outpost\ (server|gateway|agent)\ --config ]]; then continue; fi  # run above
  # The README's synopsis lines name commands; those with --config are also examples.
  if [[ "$line" == *"|"* || "$line" == *" / "* || ("$file" == */README.md && "$line" != *--config*) ]]; then
    while read -r path; do
      # shellcheck disable=SC2086
      check "$file synopsis: outpost $path is a command" "$OUTPOST" $path --help
    done < <(synopsis_paths "$line")
    continue
  fi
  command="$(localize <<<"$line")"
  count=$((count + 1))
  rc=0
  # shellcheck disable=SC2086  # word-split as a shell would (no globs in the examples)
  eval "timeout 60 \"\$OUTPOST\" ${command#outpost }" >out.txt 2>err.txt || rc=$?
  if grep -q "event 30019" err.txt; then
    not_ok "$name: the command line is not understood: $(head -1 err.txt)"
  elif [[ "$line" =~ $read_only ]] && [ "$rc" -ne 0 ]; then
    not_ok "$name: exits $rc: $(head -1 err.txt) $(grep -m1 FAIL out.txt)"
  else
    ok "$name (exit $rc)"
  fi
done < <(documented)
check "at least 30 documented commands ran ($count)" test "$count" -ge 30
finish

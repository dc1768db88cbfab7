#!/usr/bin/env bash
# The README's first command (scripts/demo.sh) against this build, on a free port: four
# computers with verified certificates, a running server and two approved, healthy agents; then
# scripts/demo.sh --stop stops every process it started.
source "$(dirname "$0")/lib.sh"
root="$(cd "$(dirname "$0")/../.." && pwd)"
export OUTPOST_BIN="$OUTPOST" OUTPOST_DEMO_DIR="$TMP/demo" OUTPOST_DEMO_PORT=0
trap 'bash "$root/scripts/demo.sh" --stop >/dev/null 2>&1; rm -rf "$TMP"' EXIT
out="$(bash "$root/scripts/demo.sh" 2>&1)" || {
  echo "$out"
  not_ok "scripts/demo.sh exits 0"
  finish
}
ok "scripts/demo.sh exits 0"
for node in ms1 gw1 agent1 agent2; do
  check "$node: show printed its certificate" contains "$out" "Channel certificate of $node.lab.test"
  check "$node: verify passes" "$OUTPOST" cert verify --state "$TMP/demo/$node"
  check "$node: state directory is 0700" test "$(stat -c %a "$TMP/demo/$node")" = 700
done
for node in agent1 agent2; do
  check "$node is approved, healthy, through gw1" inventory_is "$TMP/demo/ms1.toml" "$node.lab.test" \
    approval=approved health=healthy parent=gw1.lab.test role=agent
done
check "gw1 is an approved gateway, healthy through ms1" inventory_is "$TMP/demo/ms1.toml" \
  gw1.lab.test approval=approved health=healthy parent=ms1.lab.test role=gateway
# The demo is what a new operator tries doctor on first: nothing in it may look wrong.
problems() { jq -r '[.checks[] | select(.status == "WARN" or .status == "FAIL")
  | "\(.check) \(.status) \(.evidence)"] | join("; ")' <<<"$1"; }
for node in ms1 gw1 agent1 agent2; do
  json="$("$OUTPOST" doctor --config "$TMP/demo/$node.toml" --json)" || true
  check "$node: doctor has no WARN or FAIL ($(problems "$json"))" test -z "$(problems "$json")"
done
for node in gw1 agent1 agent2; do
  json="$("$OUTPOST" doctor --config "$TMP/demo/ms1.toml" --computer "$node.lab.test" --json)" || true
  check "ms1's view of $node has no WARN or FAIL ($(problems "$json"))" test -z "$(problems "$json")"
done
check "the demo says how to stop it" contains "$out" "scripts/demo.sh --stop"
# The console it prints answers the demo login, over a certificate the demo's root verifies.
console_port="$(sed -n 's|^The console: https://ms1.lab.test:\([0-9]*\)/.*|\1|p' <<<"$out")"
check "the demo prints the console's URL" test -n "$console_port"
console_login() {
  curl -sS --cacert "$TMP/demo/ca/ca.crt" --resolve "ms1.lab.test:$console_port:127.0.0.11" \
    -H 'Content-Type: application/json' \
    -d "{\"user\": \"admin\", \"password\": \"$(cat "$TMP/demo/console-password")\"}" \
    "https://ms1.lab.test:$console_port/api/v1/session" | jq -e '.role == "administrator"'
}
check "the printed demo login opens the console" console_login
check "the console password file is owner-only" test "$(stat -c %a "$TMP/demo/console-password")" = 600
pids="$(cat "$TMP"/demo/*.pid)"
stopped="$(bash "$root/scripts/demo.sh" --stop)"
check "--stop stops the server, the gateway and both agents" \
  test "$(grep -c stopped <<<"$stopped")" -eq 4
for pid in $pids; do
  check "process $pid is gone" bash -c "for i in \$(seq 50); do kill -0 $pid 2>/dev/null || exit 0; sleep 0.2; done; exit 1"
done
finish

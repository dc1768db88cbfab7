#!/usr/bin/env bash
# The README's first command (scripts/demo.sh) against this build: four computers, each with a
# trusted root and an imported channel certificate that passes every check.
source "$(dirname "$0")/lib.sh"
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$(OUTPOST_BIN="$OUTPOST" OUTPOST_DEMO_DIR="$TMP/demo" bash "$root/scripts/demo.sh" 2>&1)" || {
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
check "the CA lists four certificates" contains "$out" "4 certificate(s) issued"
finish

#!/usr/bin/env bash
# Sets up a local management group under demo/: a CA, and certificates for ms1, gw1, agent1 and
# agent2, each trusted-root-installed and imported into its own state directory, then shown.
# (The daemons come with the channel issue; this script will start them then.)
set -euo pipefail
cd "$(dirname "$0")/.."
# OUTPOST_BIN and OUTPOST_DEMO_DIR let the test suite run this script against its own build.
if [ -z "${OUTPOST_BIN:-}" ]; then
  scripts/setup.sh
fi
outpost="${OUTPOST_BIN:-$PWD/build/release/src/cli/outpost}"
demo="${OUTPOST_DEMO_DIR:-$PWD/demo}"
domain="lab.test"

if [ -e "$demo" ]; then
  echo "demo: removing the previous demo in $demo"
  rm -rf "$demo"
fi
mkdir -p "$demo"
"$outpost" ca init --dir "$demo/ca" --name "LAB Demo Root CA" --days 3650 --key ec256
for node in ms1 gw1 agent1 agent2; do
  fqdn="$node.$domain"
  state="$demo/$node"
  "$outpost" ca issue --dir "$demo/ca" --fqdn "$fqdn" --out "$demo/issued" --days 365 >/dev/null
  "$outpost" cert trust --state "$state" "$demo/ca/ca.crt" >/dev/null
  "$outpost" cert import --state "$state" --fqdn "$fqdn" \
    --cert "$demo/issued/$fqdn.crt" --key "$demo/issued/$fqdn.key" >/dev/null
  echo
  "$outpost" cert show --state "$state"
done
echo
"$outpost" ca list --dir "$demo/ca"
cat <<MSG

The demo management group's certificates are in $demo (one state directory per computer).
Check one: $outpost cert verify --state $demo/gw1
Its events: $outpost events --state $demo/gw1
Remove it:  rm -rf $demo
MSG

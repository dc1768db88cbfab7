#!/usr/bin/env bash
# Sets up and starts a local management group under demo/: a CA; certificates for ms1, gw1,
# agent1 and agent2, each imported into its own state directory; a management server (SQLite)
# on 127.0.0.11; gateway gw1 on 127.0.0.12, approved; and agent1 and agent2 behind the gateway,
# approved, sending heartbeats. Names resolve through each node's [hosts] table. Prints the
# inventory and how to stop it (scripts/demo.sh --stop).
set -euo pipefail
cd "$(dirname "$0")/.."
# OUTPOST_BIN, OUTPOST_DEMO_DIR and OUTPOST_DEMO_PORT let the test suite run this script
# against its own build, in its own folder, on a free port (0).
demo="${OUTPOST_DEMO_DIR:-$PWD/demo}"
port="${OUTPOST_DEMO_PORT:-5723}"
web_port="${OUTPOST_DEMO_WEB_PORT:-8443}"
if [ "$port" = 0 ]; then web_port=0; fi
domain="lab.test"

stop() {
  for pidfile in "$demo"/*.pid; do
    [ -e "$pidfile" ] || continue
    pid="$(cat "$pidfile")"
    if kill "$pid" 2>/dev/null; then echo "demo: stopped $(basename "$pidfile" .pid) (pid $pid)"; fi
    rm -f "$pidfile"
  done
}
if [ "${1:-}" = "--stop" ]; then
  stop
  exit 0
fi

if [ -z "${OUTPOST_BIN:-}" ]; then
  scripts/setup.sh
fi
outpost="${OUTPOST_BIN:-$PWD/build/release/src/cli/outpost}"

if [ -e "$demo" ]; then
  stop
  echo "demo: removing the previous demo in $demo"
  rm -rf "$demo"
fi
mkdir -p "$demo"
"$outpost" ca init --dir "$demo/ca" --name "LAB Demo Root CA" --days 3650 --key ec256 >/dev/null
for node in ms1 gw1 agent1 agent2; do
  fqdn="$node.$domain"
  "$outpost" ca issue --dir "$demo/ca" --fqdn "$fqdn" --out "$demo/issued" --days 365 >/dev/null
  install -d -m 700 "$demo/$node"  # the node's state directory: a daemon never creates it
  "$outpost" cert trust --state "$demo/$node" "$demo/ca/ca.crt" >/dev/null
  "$outpost" cert import --state "$demo/$node" --fqdn "$fqdn" \
    --cert "$demo/issued/$fqdn.crt" --key "$demo/issued/$fqdn.key" >/dev/null
  "$outpost" cert show --state "$demo/$node" | head -1
done

cat >"$demo/ms1.toml" <<TOML
[node]
fqdn = "ms1.$domain"
management_group = "LAB"
state_dir = "ms1"

[listen]
address = "127.0.0.11"
port = $port

[database]
url = "sqlite://$demo/ms1/operations.db"

[admission]
agents = "review"

[heartbeat]
interval_s = 5
missed_allowed = 3

[web]                   # the console and the REST API (docs/api.md)
address = "127.0.0.11"
port = $web_port

[hosts]                 # every demo computer, so that names resolve both ways without DNS
"ms1.$domain" = "127.0.0.11"
"gw1.$domain" = "127.0.0.12"
"agent1.$domain" = "127.0.0.21"
"agent2.$domain" = "127.0.0.22"
TOML
# The console's administrator, with a random password kept owner-only beside the demo.
(umask 077 && openssl rand -base64 18 >"$demo/console-password")
"$outpost" user add --config "$demo/ms1.toml" --name admin --role administrator \
  --password-file "$demo/console-password" >/dev/null
"$outpost" server --config "$demo/ms1.toml" >>"$demo/ms1.log" 2>&1 &
echo $! >"$demo/ms1.pid"

# The server logs the port it listens on (event 30020); wait for it, at most 30 s.
for _ in $(seq 150); do
  actual="$("$outpost" events --state "$demo/ms1" --id 30020 --json 2>/dev/null |
    sed -n 's/.*"port": \([0-9]*\).*/\1/p' | tail -1)"
  [ -n "$actual" ] && break
  sleep 0.2
done
if [ -z "$actual" ]; then
  echo "demo: the management server did not start; its log:" >&2
  cat "$demo/ms1.log" >&2
  stop
  exit 1
fi
# port_of NODE: the port a node logged in its start event (30020), waiting at most 30 s.
port_of() {
  local found=""
  for _ in $(seq 150); do
    found="$("$outpost" events --state "$demo/$1" --id 30020 --json 2>/dev/null |
      sed -n 's/.*"port": \([0-9]*\).*/\1/p' | tail -1)"
    [ -n "$found" ] && break
    sleep 0.2
  done
  echo "$found"
}

"$outpost" gateway approve --config "$demo/ms1.toml" --gateway "gw1.$domain"
cat >"$demo/gw1.toml" <<TOML
[node]
fqdn = "gw1.$domain"
management_group = "LAB"
state_dir = "gw1"

[listen]
address = "127.0.0.12"
port = $port

[parents]
servers = ["ms1.$domain:$actual"]

[heartbeat]
interval_s = 5

[hosts]
"ms1.$domain" = "127.0.0.11"
"gw1.$domain" = "127.0.0.12"
TOML
"$outpost" gateway --config "$demo/gw1.toml" >>"$demo/gw1.log" 2>&1 &
echo $! >"$demo/gw1.pid"
gw_port="$(port_of gw1)"
if [ -z "$gw_port" ]; then
  echo "demo: the gateway did not start; its log:" >&2
  cat "$demo/gw1.log" >&2
  stop
  exit 1
fi

for node in agent1 agent2; do
  cat >"$demo/$node.toml" <<TOML
[node]
fqdn = "$node.$domain"
management_group = "LAB"
state_dir = "$node"

[parents]
servers = ["gw1.$domain:$gw_port"]

[heartbeat]
interval_s = 5

[hosts]
"gw1.$domain" = "127.0.0.12"
"$node.$domain" = "127.0.0.$((20 + ${node#agent}))"
TOML
  "$outpost" agent --config "$demo/$node.toml" >>"$demo/$node.log" 2>&1 &
  echo $! >"$demo/$node.pid"
done

# Admission is "review": approve each agent once it has asked, then wait until both are healthy.
for node in agent1 agent2; do
  for _ in $(seq 150); do
    "$outpost" agent pending --config "$demo/ms1.toml" | grep -q "$node.$domain" && break
    sleep 0.2
  done
  "$outpost" agent approve "$node.$domain" --config "$demo/ms1.toml"
done
for _ in $(seq 300); do
  healthy="$("$outpost" inventory --config "$demo/ms1.toml" --json | grep -c '"health": "healthy"' || true)"
  [ "$healthy" -ge 4 ] && break
  sleep 0.2
done
echo
"$outpost" inventory --config "$demo/ms1.toml"
console_port="$("$outpost" events --state "$demo/ms1" --id 30110 --json 2>/dev/null |
  sed -n 's/.*"port": \([0-9]*\).*/\1/p' | tail -1)"
cat <<MSG

The console: https://ms1.$domain:$console_port/   user admin, password: $(cat "$demo/console-password")
  (the password is also in $demo/console-password). Its certificate is issued by the demo's own
  root, $demo/ca/ca.crt: import that into your browser as a trusted authority, and let the name
  resolve (a line "127.0.0.11 ms1.$domain" in /etc/hosts). From a shell:
  curl --cacert $demo/ca/ca.crt --resolve ms1.$domain:$console_port:127.0.0.11 https://ms1.$domain:$console_port/api/v1/openapi.json

The demo management group runs from $demo (one state directory and log per computer).
  Inventory:  $outpost inventory --config $demo/ms1.toml
  Status:     $outpost status --config $demo/gw1.toml      (any node: its parent and children)
  Events:     $outpost events --config $demo/ms1.toml
  Stop it:    scripts/demo.sh --stop
MSG

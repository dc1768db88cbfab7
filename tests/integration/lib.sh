# Shared by the integration tests: assertions, a scratch folder that is removed on exit, the
# database a management server uses (SQLite, or PostgreSQL with OUTPOST_TEST_BACKEND=postgres),
# and an OpenSSL-command-line CA (not ours) that issues certificates with any property broken.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../postgres.sh"

OUTPOST="${1:?usage: $0 PATH/TO/outpost}"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/outpost-it-XXXXXX")"
# Processes a test starts in the background go in `pids`; all are stopped by PID on exit.
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); echo "ok - $*"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $*"; }

# check NAME COMMAND...: runs COMMAND, counts it; its output is shown only when it fails.
check() {
  local name="$1" out; shift
  if out="$("$@" 2>&1)"; then
    ok "$name"
  else
    not_ok "$name"
    echo "$out" | sed 's/^/    /'
  fi
}

contains() { grep -qF -- "$2" <<<"$1"; }

# wait_for SECONDS COMMAND...: polls every 0.2 s until COMMAND succeeds, at most SECONDS.
wait_for() {
  local limit=$(($1 * 5)); shift
  for ((i = 0; i < limit; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  return 1
}

# computers "CA NAME" NODE...: our CA in ./ca, and for each NODE a certificate for NODE.lab.test,
# the root trusted and the certificate imported into the state directory ./NODE, which is created
# first as an operator does (a daemon never creates it).
computers() {
  local name="$1" n
  shift
  "$OUTPOST" ca init --dir ca --name "$name" --key ec256 >/dev/null
  for n in "$@"; do
    "$OUTPOST" ca issue --dir ca --fqdn "$n.lab.test" --out issued >/dev/null
    install -d -m 700 "$n"
    "$OUTPOST" cert trust --state "$PWD/$n" ca/ca.crt >/dev/null
    "$OUTPOST" cert import --state "$PWD/$n" --fqdn "$n.lab.test" \
      --cert "issued/$n.lab.test.crt" --key "issued/$n.lab.test.key" >/dev/null
  done
}

# node_section NODE: the [node] section of NODE.lab.test in management group LAB, its state in
# ./NODE (for the configuration files the tests write).
node_section() {
  printf '[node]\nfqdn = "%s.lab.test"\nmanagement_group = "LAB"\nstate_dir = "%s"\n' "$1" "$1"
}

# listen_section: a [listen] section on 127.0.0.1 with a port the system picks (see port_of).
listen_section() { printf '[listen]\naddress = "127.0.0.1"\nport = 0\n'; }

# parent_sections PARENT PORT: [parents] naming PARENT.lab.test:PORT and [hosts] mapping it to
# 127.0.0.1.
parent_sections() {
  printf '[parents]\nservers = ["%s.lab.test:%s"]\n[hosts]\n"%s.lab.test" = "127.0.0.1"\n' \
    "$1" "$2" "$1"
}

# inventory_is CONFIG FQDN KEY=VALUE...: the inventory of the server of CONFIG lists FQDN with
# each KEY equal to VALUE (compared with jq, so new inventory fields never break a test).
inventory_is() {
  local config="$1" fqdn="$2" json kv; shift 2
  json="$("$OUTPOST" inventory --config "$config" --json 2>/dev/null)" || return 1
  for kv in "$@"; do
    [[ "$(jq -r --arg f "$fqdn" --arg k "${kv%%=*}" \
      '.[] | select(.fqdn == $f) | .[$k] // "" | tostring' <<<"$json")" == "${kv#*=}" ]] || return 1
  done
}

# database_url NAME: the [database] url of a new database NAME: a SQLite file in $TMP, or, with
# OUTPOST_TEST_BACKEND=postgres, a fresh database on the server tests/with_postgres.sh started
# (OUTPOST_TEST_PG_URL; ctest registers each test using this a second time that way).
database_url() {
  if [ "${OUTPOST_TEST_BACKEND:-sqlite}" != postgres ]; then
    echo "sqlite://$TMP/$1.db"
    return
  fi
  if [ -z "${OUTPOST_TEST_PG_URL:-}" ]; then
    echo "database_url: OUTPOST_TEST_BACKEND=postgres needs OUTPOST_TEST_PG_URL;" \
      "run the test through tests/with_postgres.sh" >&2
    return 1
  fi
  local bin db="it_${1//[^a-zA-Z0-9_]/_}_$$_$RANDOM"
  bin="$(pg_bin)" || return 1
  "$bin/psql" -X -q -v ON_ERROR_STOP=1 -d "$OUTPOST_TEST_PG_URL" \
    -c "CREATE DATABASE \"$db\"" >/dev/null || return 1
  echo "${OUTPOST_TEST_PG_URL%/*}/$db"
}

# has_event STATE_DIR ID WORDS: the node's event log has event ID mentioning WORDS.
has_event() { "$OUTPOST" events --state "$1" --id "$2" | grep -qF -- "$3"; }

# port_of STATE_DIR: the port a daemon logged in its start event (30020).
port_of() {
  "$OUTPOST" events --state "$1" --id 30020 --json | sed -n 's/.*"port": \([0-9]*\).*/\1/p' | tail -1
}

# start_daemon ROLE NAME: runs `outpost ROLE --config NAME.toml` in the background, its stderr
# appended to NAME.err; stopped by PID on exit. Its PID is in $daemon_pid.
start_daemon() {
  "$OUTPOST" "$1" --config "$2.toml" 2>>"$2.err" &
  daemon_pid=$!
  pids+=("$daemon_pid")
}

# listening_port NAME: waits (at most 30 s) until the daemon with state directory NAME logged
# that it listens (30020), and prints the port; fails if it never did.
listening_port() { wait_for 30 has_event "$1" 30020 listens && port_of "$1"; }

# expect_fail NAME "words in stderr" COMMAND...: the command must exit non-zero and say the words.
expect_fail() {
  local name="$1" words="$2"; shift 2
  local out rc=0
  out="$("$@" 2>&1)" || rc=$?
  if [ "$rc" -ne 0 ] && contains "$out" "$words"; then
    ok "$name"
  else
    not_ok "$name (exit $rc, wanted '$words')"
    echo "$out" | sed 's/^/    /'
  fi
}

finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

# openssl_ca DIR NAME: a root CA made and run by the openssl command line.
openssl_ca() {
  local dir name="$2"
  mkdir -p "$1/new"
  dir="$(cd "$1" && pwd)"
  : >"$dir/index.txt"
  openssl rand -hex 16 >"$dir/serial"
  cat >"$dir/ca.cnf" <<CNF
[ ca ]
default_ca = test_ca
[ test_ca ]
dir = $dir
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
certificate = \$dir/ca.crt
private_key = \$dir/ca.key
default_md = sha256
default_days = 365
policy = policy_any
unique_subject = no
copy_extensions = copy
[ policy_any ]
commonName = supplied
[ computer ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth,clientAuth
[ server_only ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
[ no_signature ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyEncipherment
extendedKeyUsage = serverAuth,clientAuth
[ client_only ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
[ intermediate ]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
CNF
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/ca.key" -out "$dir/ca.crt" \
    -days 3650 -subj "/CN=$name" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# openssl_issue CA_DIR CN OUT_PREFIX [EXTENSIONS [KEYSPEC [STARTDATE ENDDATE]]]
# Writes OUT_PREFIX.key and OUT_PREFIX.crt; the SAN is the CN.
openssl_issue() {
  local ca="$1" cn="$2" out="$3" ext="${4:-computer}" keyspec="${5:-rsa:2048}"
  local dates=()
  if [ $# -ge 7 ]; then dates=(-startdate "$6" -enddate "$7"); fi
  openssl req -new -newkey "$keyspec" -nodes -keyout "$out.key" -out "$out.csr" \
    -subj "/CN=$cn" -addext "subjectAltName=DNS:$cn" 2>/dev/null
  openssl ca -batch -notext -config "$ca/ca.cnf" -extensions "$ext" "${dates[@]}" \
    -in "$out.csr" -out "$out.crt" 2>/dev/null
}

# reversed_serial CERT: the byte-reversed hex of `openssl x509 -serial`.
reversed_serial() {
  local hex
  hex="$(openssl x509 -in "$1" -noout -serial | cut -d= -f2)"
  [ $((${#hex} % 2)) -eq 1 ] && hex="0$hex"
  echo "$hex" | sed 's/../&\n/g' | grep -v '^$' | tac | tr -d '\n'
}

sha256_of() {
  openssl x509 -in "$1" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d ':' | tr 'A-F' 'a-f'
}

setting() { sed -n "s/^$2 = \"\\(.*\\)\"$/\\1/p" "$1/machine-settings.toml"; }

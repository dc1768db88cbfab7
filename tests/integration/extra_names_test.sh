#!/usr/bin/env bash
# Finding 3 of issue 11, the CA side: one certificate must not speak for several computers.
# `ca sign` shows every name of a request and refuses names besides the subject CN (30006) unless
# --allow-extra-names, which signs with a warning (30008); `cert import` and `doctor` warn (30008,
# WARN not FAIL) on a certificate that names several computers.
source "$(dirname "$0")/lib.sh"
cd "$TMP"

"$OUTPOST" ca init --dir ca --name "Names Test CA" --key ec256 >/dev/null

# request CN SAN OUT: a request made by the openssl command line, with any subjectAltName.
request() {
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$3.key" \
    -out "$3.csr" -subj "/CN=$1" -addext "subjectAltName=$2" 2>/dev/null
}
request agent9.lab.test "DNS:agent9.lab.test,DNS:gw1.lab.test" agent9
request agent8.lab.test "DNS:agent8.lab.test,IP:10.0.0.5" agent8

out="$("$OUTPOST" ca sign --dir ca --csr agent9.csr --out agent9.crt 2>&1)" && rc=0 || rc=$?
check "ca sign refuses a request naming another computer (exit 1)" test "$rc" -eq 1
check "the refusal is event 30006" contains "$out" "[event 30006]"
check "the refusal names the extra name" contains "$out" "also names gw1.lab.test"
check "the refusal says what to do" contains "$out" "--allow-extra-names"
check "nothing was written" test ! -e agent9.crt
check "nothing was recorded as issued" test ! -s ca/issued.jsonl

expect_fail "an IP subjectAltName is refused, and every name is shown" \
  "CN agent8.lab.test; DNS agent8.lab.test; IP 10.0.0.5" \
  "$OUTPOST" ca sign --dir ca --csr agent8.csr --out agent8.crt --allow-extra-names

"$OUTPOST" ca sign --dir ca --csr agent9.csr --out agent9.crt --allow-extra-names \
  >signed.out 2>signed.err && rc=0 || rc=$?
check "--allow-extra-names signs (exit 0)" test "$rc" -eq 0
check "... and warns with 30008 on stderr" contains "$(cat signed.err)" "[event 30008]"
check "... naming the extra name" contains "$(cat signed.err)" "also names gw1.lab.test"
check "ca sign shows every name it signed" \
  contains "$(cat signed.out)" "names  CN agent9.lab.test; DNS agent9.lab.test, gw1.lab.test"

"$OUTPOST" cert request --fqdn agent7.lab.test --out req7 >/dev/null
"$OUTPOST" ca sign --dir ca --csr req7/agent7.lab.test.csr --out agent7.crt >clean.out 2>clean.err
check "a request naming only its computer is signed without a warning" test ! -s clean.err
check "... and its names are shown" contains "$(cat clean.out)" "names  CN agent7.lab.test; DNS agent7.lab.test"

# cert import: accepted with a WARN for the subject name, logged as 30008.
"$OUTPOST" cert trust --state "$PWD/agent9" ca/ca.crt >/dev/null
out="$("$OUTPOST" cert import --state "$PWD/agent9" --fqdn agent9.lab.test --cert agent9.crt \
  --key agent9.key 2>&1)" && rc=0 || rc=$?
check "cert import accepts it (exit 0)" test "$rc" -eq 0
check "cert import warns: WARN subject name [30008]" contains "$out" "WARN  subject name         [30008]"
check "the warning names the other computer" contains "$out" "also names gw1.lab.test"
check "the import's warning is in the node's event log" has_event agent9 30008 "gw1.lab.test"

# doctor: check 7 (the certificate) is a WARN with 30008, never a FAIL.
cat >agent9.toml <<TOML
$(node_section agent9)
[parents]
servers = ["ms1.lab.test:5723"]
[hosts]
"ms1.lab.test" = "127.0.0.1"
TOML
json="$("$OUTPOST" doctor --config agent9.toml --json 2>/dev/null)" || true
check "doctor: check 7 is WARN" \
  test "$(jq -r '[.checks[] | select(.check == 7) | .status] | join(",")' <<<"$json")" = WARN
check "doctor: check 7 carries 30008" \
  test "$(jq -r '[.checks[] | select(.check == 7) | .event] | join(",")' <<<"$json")" = 30008
check "doctor: the evidence names the other computer" \
  contains "$(jq -r '.checks[] | select(.check == 7) | .evidence' <<<"$json")" "gw1.lab.test"

# ca issue writes the FQDN as the only name: nothing to refuse.
"$OUTPOST" ca issue --dir ca --fqdn agent6.lab.test --out issued >/dev/null
check "ca issue names only the computer" test \
  "$(openssl x509 -in issued/agent6.lab.test.crt -noout -ext subjectAltName | tail -1 | tr -d ' ')" \
  = "DNS:agent6.lab.test"

finish

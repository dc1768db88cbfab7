#!/usr/bin/env bash
# The import's acceptance list through the real command: each broken certificate (made by the
# openssl command line) is refused with its own event id and message, and machine-settings.toml
# is left exactly as it was. Then `cert verify` catches a renewal that was not imported.
source "$(dirname "$0")/lib.sh"
cd "$TMP"
fqdn=agent1.lab.test

openssl_ca ca "Refusal Test Root"
openssl_ca stranger "Stranger Root"
openssl_issue ca "$fqdn" good
openssl_issue ca "$fqdn" server-only server_only
openssl_issue ca "$fqdn" client-only client_only
openssl_issue ca other.lab.test wrong-name
openssl_issue ca "$fqdn" expired computer rsa:2048 20200101000000Z 20210101000000Z
openssl_issue ca "$fqdn" future computer rsa:2048 20990101000000Z 21000101000000Z
openssl_issue ca "$fqdn" other-key
openssl_issue stranger "$fqdn" untrusted
openssl_issue ca "$fqdn" weak computer rsa:1024
openssl req -x509 -newkey rsa:2048 -nodes -keyout self.key -out self.crt -days 30 \
  -subj "/CN=$fqdn" -addext "subjectAltName=DNS:$fqdn" \
  -addext "basicConstraints=critical,CA:FALSE" \
  -addext "keyUsage=critical,digitalSignature,keyEncipherment" \
  -addext "extendedKeyUsage=serverAuth,clientAuth" 2>/dev/null

state=node
"$OUTPOST" cert trust --state "$state" ca/ca.crt >/dev/null
check "a good certificate imports" \
  "$OUTPOST" cert import --state "$state" --fqdn "$fqdn" --cert good.crt --key good.key
before="$(sha256sum "$state/machine-settings.toml")"

# refused NAME EVENT WORDS IMPORT-ARGS...
refused() {
  local name="$1" event="$2" words="$3"; shift 3
  expect_fail "$name: refused with $event" "[event $event] certificate refused" \
    "$OUTPOST" cert import --state "$state" --fqdn "$fqdn" "$@"
  expect_fail "$name: the message says '$words'" "$words" \
    "$OUTPOST" cert import --state "$state" --fqdn "$fqdn" "$@"
  check "$name: machine-settings.toml untouched" \
    test "$(sha256sum "$state/machine-settings.toml")" = "$before"
}

refused "no clientAuth EKU" 20050 "lacks clientAuth (1.3.6.1.5.5.7.3.2)" --cert server-only.crt --key server-only.key
refused "no serverAuth EKU" 20050 "lacks serverAuth (1.3.6.1.5.5.7.3.1)" --cert client-only.crt --key client-only.key
refused "CN/SAN is not the FQDN" 20052 "the subject CN is not this computer's FQDN 'agent1.lab.test'" --cert wrong-name.crt --key wrong-name.key
refused "expired" 20051 "expired: valid from 2020-01-01T00:00:00Z to 2021-01-01T00:00:00Z" --cert expired.crt --key expired.key
refused "not yet valid" 20051 "not yet valid: valid from 2099-01-01" --cert future.crt --key future.key
refused "key that does not match" 20068 "does not match the certificate" --cert good.crt --key other-key.key
refused "no key" 20068 "no private key was found" --cert good.crt
refused "untrusted root" 20072 "does not build to a trusted root" --cert untrusted.crt --key untrusted.key
refused "self-signed leaf" 30003 "self-signed" --cert self.crt --key self.key
refused "RSA 1024" 30002 "RSA 1024; at least RSA 2048 is required" --cert weak.crt --key weak.key

events="$("$OUTPOST" events --state "$state" --id 20050)"
check "refusals are in the event log" contains "$events" "lacks clientAuth"
check "the successful import logged 20053" \
  contains "$("$OUTPOST" events --state "$state" --id 20053)" "imported and loaded successfully"

# A refusal into a state directory that does not exist yet creates nothing.
expect_fail "a refusal into a new state directory" "[event 20050]" \
  "$OUTPOST" cert import --state fresh --fqdn "$fqdn" --cert server-only.crt --key server-only.key
check "and leaves no state directory behind" test ! -e fresh

# --- renewal on disk that was not imported
check "verify passes before the renewal" "$OUTPOST" cert verify --state "$state"
openssl_issue ca "$fqdn" renewed
crt="$(ls "$state"/pki/personal/*.crt)"
cp renewed.crt "$crt"
cp renewed.key "${crt%.crt}.key"
old_hash="$(setting "$state" ChannelCertificateHash)"
expect_fail "verify fails after a renewal that was not imported (20066)" "[event 20066]" \
  "$OUTPOST" cert verify --state "$state"
out="$("$OUTPOST" cert verify --state "$state" 2>&1 || true)"
check "verify names the recorded certificate" contains "$out" "$old_hash"
check "verify names what is there instead" \
  contains "$out" "$(openssl x509 -in renewed.crt -noout -serial | cut -d= -f2)"
check "verify says how to fix it" contains "$out" "--subject $fqdn"
expect_fail "show refuses the missing certificate too" "[event 20066]" \
  "$OUTPOST" cert show --state "$state"
check "re-importing with --subject picks up the renewal" \
  "$OUTPOST" cert import --state "$state" --fqdn "$fqdn" --subject "$fqdn"
check "verify passes after the re-import" "$OUTPOST" cert verify --state "$state"
check "the recorded serial is the renewed one" \
  test "$(setting "$state" ChannelCertificateSerialNumber)" = "$(reversed_serial renewed.crt)"

finish

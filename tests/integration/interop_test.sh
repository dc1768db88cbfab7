#!/usr/bin/env bash
# Interoperability with material made by the openssl command line instead of our CA: a chain
# with an intermediate, a legacy (RC2/3DES) PFX, a CSR signed by `openssl ca`, and the reverse
# directions (our certificates verified by openssl, openssl's CSRs signed by our CA).
source "$(dirname "$0")/lib.sh"
cd "$TMP"

# --- our CA's certificates pass openssl's purpose checks
"$OUTPOST" ca init --dir ours --name "Outpost Test CA" --key ec256 >/dev/null
"$OUTPOST" ca issue --dir ours --fqdn gw1.lab.test --out issued >/dev/null
check "ours: openssl verify -purpose sslserver" \
  openssl verify -purpose sslserver -CAfile ours/ca.crt issued/gw1.lab.test.crt
check "ours: openssl verify -purpose sslclient" \
  openssl verify -purpose sslclient -CAfile ours/ca.crt issued/gw1.lab.test.crt
serial_hex="$(openssl x509 -in issued/gw1.lab.test.crt -noout -serial | cut -d= -f2)"
check "ours: serial has at least 16 bytes (${#serial_hex} hex digits)" test "${#serial_hex}" -ge 32
check "ours: key file is mode 0600" test "$(stat -c %a issued/gw1.lab.test.key)" = 600
check "ours: CA folder is mode 0700" test "$(stat -c %a ours)" = 700
text="$(openssl x509 -in issued/gw1.lab.test.crt -noout -text)"
check "ours: SAN is the FQDN" contains "$text" "DNS:gw1.lab.test"
check "ours: key usage" contains "$text" "Digital Signature, Key Encipherment"
check "ours: CA:FALSE" contains "$text" "CA:FALSE"

# --- a chain with an intermediate, made by openssl
openssl_ca root "OpenSSL Root CA"
openssl req -new -newkey rsa:2048 -nodes -keyout int.key -out int.csr -subj "/CN=OpenSSL Issuing CA" 2>/dev/null
openssl ca -batch -notext -config root/ca.cnf -extensions intermediate -in int.csr -out int.crt 2>/dev/null
mkdir -p issuing/new
cp int.crt issuing/ca.crt
cp int.key issuing/ca.key
sed "s|^dir = .*|dir = $PWD/issuing|" root/ca.cnf >issuing/ca.cnf
: >issuing/index.txt && openssl rand -hex 16 >issuing/serial
openssl_issue issuing agent1.lab.test agent1
cat agent1.crt int.crt >agent1-chain.crt
"$OUTPOST" cert trust --state s1 root/ca.crt >/dev/null
check "chain: import leaf + intermediate" \
  "$OUTPOST" cert import --state s1 --fqdn agent1.lab.test --cert agent1-chain.crt --key agent1.key
show="$("$OUTPOST" cert show --state s1)"
check "chain: show names the whole chain" \
  contains "$show" "agent1.lab.test <- OpenSSL Issuing CA <- OpenSSL Root CA (trusted)"
expect_fail "chain: without the intermediate the chain is refused (20072)" "[event 20072]" \
  "$OUTPOST" cert import --state s1b --fqdn agent1.lab.test --cert agent1.crt --key agent1.key

# --- a legacy PFX (RC2-40 for certificates, 3DES for the key), as Windows CAs export
echo "Pfx-Pa55" >pw
openssl pkcs12 -export -legacy -in agent1.crt -inkey agent1.key -certfile int.crt \
  -passout file:pw -out agent1-legacy.pfx 2>/dev/null
check "pfx: the file really is legacy RC2" \
  contains "$(openssl pkcs12 -legacy -info -in agent1-legacy.pfx -passin file:pw -noout 2>&1)" "RC2"
"$OUTPOST" cert trust --state s2 root/ca.crt >/dev/null
check "pfx: legacy PFX imports with --password-file" \
  "$OUTPOST" cert import --state s2 --fqdn agent1.lab.test --pfx agent1-legacy.pfx --password-file pw
check "pfx: ChannelCertificateSerialNumber is the byte-reversed openssl serial" \
  test "$(setting s2 ChannelCertificateSerialNumber)" = "$(reversed_serial agent1.crt)"
check "pfx: ChannelCertificateHash is the SHA-256 fingerprint" \
  test "$(setting s2 ChannelCertificateHash)" = "$(sha256_of agent1.crt)"
check "pfx: the intermediate from the PFX completes the chain" "$OUTPOST" cert verify --state s2
echo "wrong" >badpw
expect_fail "pfx: a wrong password is named" "password is wrong" \
  "$OUTPOST" cert import --state s2 --fqdn agent1.lab.test --pfx agent1-legacy.pfx --password-file badpw
openssl pkcs12 -export -nokeys -in agent1.crt -passout pass: -out nokey.pfx 2>/dev/null
expect_fail "pfx: a PFX without its key is refused (20068)" "[event 20068]" \
  "$OUTPOST" cert import --state s2 --fqdn agent1.lab.test --pfx nokey.pfx

# --- our CSR signed by `openssl ca`
"$OUTPOST" cert request --fqdn agent2.lab.test --out req >/dev/null
check "csr: key file is mode 0600" test "$(stat -c %a req/agent2.lab.test.key)" = 600
openssl ca -batch -notext -config root/ca.cnf -extensions computer -in req/agent2.lab.test.csr \
  -out agent2.crt 2>/dev/null
"$OUTPOST" cert trust --state s3 root/ca.crt >/dev/null
check "csr: certificate from openssl ca imports" \
  "$OUTPOST" cert import --state s3 --fqdn agent2.lab.test --cert agent2.crt --key req/agent2.lab.test.key

# --- openssl's CSRs signed by our CA
openssl req -new -newkey rsa:2048 -nodes -keyout ext.key -out ext.csr -subj "/CN=ms1.lab.test" \
  -addext "subjectAltName=DNS:ms1.lab.test" 2>/dev/null
check "sign: our CA signs an openssl CSR" "$OUTPOST" ca sign --dir ours --csr ext.csr --out ext.crt
check "sign: openssl verifies it as sslserver" openssl verify -purpose sslserver -CAfile ours/ca.crt ext.crt
check "sign: and as sslclient" openssl verify -purpose sslclient -CAfile ours/ca.crt ext.crt
openssl req -new -newkey rsa:2048 -nodes -keyout evil.key -out evil.csr -subj "/CN=evil.lab.test" \
  -addext "basicConstraints=critical,CA:TRUE" 2>/dev/null
expect_fail "sign: a CSR asking for a CA certificate is refused" "asks for a CA certificate" \
  "$OUTPOST" ca sign --dir ours --csr evil.csr --out evil.crt
check "sign: nothing was written for it" test ! -e evil.crt
openssl req -new -newkey rsa:1024 -nodes -keyout weak.key -out weak.csr -subj "/CN=weak.lab.test" 2>/dev/null
expect_fail "sign: a CSR with an RSA 1024 key is refused" "RSA 1024" \
  "$OUTPOST" ca sign --dir ours --csr weak.csr --out weak.crt
list="$("$OUTPOST" ca list --dir ours)"
check "list: shows the signed certificate" contains "$list" "CN=ms1.lab.test"
check "list: shows both issued certificates" contains "$list" "2 certificate(s) issued"

finish

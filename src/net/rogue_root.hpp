// A rogue root with a known name (finding 9 of issue 11): a peer's certificate failed
// verification, and the root it chains to (or its issuer) bears the subject name of a root this
// node trusts, but another key. Such a root impersonates the trusted one; the advice is to compare
// both SHA-256 fingerprints out of band, never to trust the peer's root.
#pragma once

#include <openssl/x509.h>

#include <optional>
#include <string>

namespace outpost::net {

// The failed certificate `failed`, the certificates the peer sent (`sent`, may be null) and this
// node's trust store: the 30072 message with both fingerprints, or nullopt when no trusted root
// bears the failed chain's root name.
[[nodiscard]] std::optional<std::string> find_rogue_root(X509* failed, STACK_OF(X509) * sent,
                                                         X509_STORE* trusted);

// "AB:CD:..." of the certificate's DER.
[[nodiscard]] std::string sha256_fingerprint(X509* certificate);

}  // namespace outpost::net

// End-to-end proof of an agent behind a gateway (docs/security.md): the management server checks
// the agent's certificate chain against its own trusted store, then the agent signs a statement
// binding the server's single-use nonce to itself, the gateway it is connected to and the
// management group, with the key of its certificate. A gateway relays both and can forge
// neither.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"
#include "pki/certificate.hpp"

namespace outpost::pki {

inline constexpr std::size_t kNonceBytes = 32;
inline constexpr std::size_t kMaxChainCertificates = 8;
inline constexpr std::size_t kMaxCertificateBytes = 16 * 1024;

// kNonceBytes from the OpenSSL random generator.
[[nodiscard]] std::string make_nonce();

struct ProofContext {
  std::string_view nonce;  // raw bytes
  std::string_view agent;  // the agent's FQDN (its certificate's CN)
  std::string_view gateway;
  std::string_view management_group;
};
// What the agent signs: a fixed label, the nonce in hex and the three names, one per line.
[[nodiscard]] std::string proof_statement(const ProofContext& context);

// SHA-256 signature (ECDSA for EC keys, PKCS#1 v1.5 for RSA) of the statement.
[[nodiscard]] Result<std::string> sign_proof(EVP_PKEY* key, const ProofContext& context);
[[nodiscard]] bool verify_proof(EVP_PKEY* public_key, const ProofContext& context,
                                std::string_view signature);

// SHA-256 of the DER SubjectPublicKeyInfo, lower-case hex: what binds a gateway to its key.
[[nodiscard]] std::string public_key_sha256_hex(EVP_PKEY* key);

// The chain a gateway relays (DER, the agent's certificate first), checked as the management
// server's own TLS would: at most kMaxChainCertificates of at most kMaxCertificateBytes, the
// first one's subject CN is `fqdn`, it builds to `trusted` for client authentication and is
// valid at `now`. Returns the agent's certificate; the error names the cause (event 30090).
[[nodiscard]] Result<Certificate> verify_client_chain(const std::vector<std::string>& der_chain,
                                                      const std::vector<Certificate>& trusted,
                                                      std::string_view fqdn, TimePoint now);

}  // namespace outpost::pki

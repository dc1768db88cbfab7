// Certificate signing requests: making one for an external CA (`outpost cert request`) and
// validating one before our CA signs it (`outpost ca sign`).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "pki/ossl.hpp"

namespace outpost::pki {

// A PEM CSR for `fqdn` (CN and DNS SAN), asking for serverAuth + clientAuth and
// digitalSignature + keyEncipherment, signed with SHA-256 by `key`.
[[nodiscard]] Result<std::string> make_csr(const std::string& fqdn, EVP_PKEY* key);

struct ValidRequest {
  std::string fqdn;                      // from the subject CN, canonical
  std::vector<std::string> dns_names;    // fqdn first, then any other requested DNS names
  std::vector<std::string> extra_names;  // the DNS names other than the CN (canonical)
  KeyPtr public_key;
};

// Checks the request's signature, name and key strength, and that it does not ask for a CA
// certificate or for names other than DNS names (whose message lists every name it carries).
// Extra DNS names besides the CN are valid here and listed in `extra_names`: whether to sign
// them is the CA's decision (CertificateAuthority::sign). Errors carry EventId::csr_refused.
[[nodiscard]] Result<ValidRequest> validate_csr(std::string_view pem_or_der);

}  // namespace outpost::pki

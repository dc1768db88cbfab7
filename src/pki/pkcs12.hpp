// Reading PKCS#12 (PFX) files, including the legacy RC2-40/3DES files that Windows CAs and
// older tools export (OpenSSL 3 keeps those algorithms in its "legacy" provider).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "pki/certificate.hpp"
#include "pki/ossl.hpp"

namespace outpost::pki {

struct PfxContents {
  std::optional<Certificate> certificate;  // the one matching the key, else the end-entity one
  KeyPtr key;                              // null when the file has no key
  std::vector<Certificate> others;         // CA certificates carried along
};

// `password` empty means "no password": both an empty and an absent password are tried.
// Errors carry EventId::cert_file_unreadable.
[[nodiscard]] Result<PfxContents> read_pfx(std::string_view data, const std::string& password);

}  // namespace outpost::pki

// Private keys: generation, PEM in and out, and the strength rule (RSA >= 2048, EC P-256/P-384).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "pki/ossl.hpp"

namespace outpost::pki {

enum class KeyType { rsa2048, rsa3072, ec256 };

[[nodiscard]] std::optional<KeyType> key_type_from_name(std::string_view name);
[[nodiscard]] std::string_view key_type_name(KeyType type);

[[nodiscard]] Result<KeyPtr> generate_key(KeyType type);
[[nodiscard]] Result<KeyPtr> generate_rsa_key(int bits);  // any size, for tests of weak keys

// Unencrypted PKCS#8 PEM. Callers write it with mode 0600.
[[nodiscard]] Result<std::string> private_key_pem(EVP_PKEY* key);
// Reads a PEM or DER private key (PKCS#8, traditional RSA/EC). Encrypted PEM is refused with a
// message that says so.
[[nodiscard]] Result<KeyPtr> load_private_key(std::string_view data);

// "RSA 2048", "EC P-256", "ED25519", ...
[[nodiscard]] std::string key_description(const EVP_PKEY* key);
// Empty when the key is strong enough for a channel certificate; otherwise why not.
[[nodiscard]] std::optional<std::string> key_weakness(const EVP_PKEY* key);
// The type of key a CA of this key issues by default.
[[nodiscard]] KeyType key_type_like(const EVP_PKEY* key);

}  // namespace outpost::pki

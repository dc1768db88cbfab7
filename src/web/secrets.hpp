// Passwords and bearer secrets, with libsodium: Argon2id password hashes (crypto_pwhash_str,
// with their parameters in the hash), random session ids, CSRF and API tokens, and the SHA-256
// under which the database keeps a session id or a token (never the secret itself).
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace outpost::web {

inline constexpr std::size_t kMinPasswordLength = 10;
inline constexpr std::size_t kMaxPasswordLength = 1024;

// A user name: 1 to 64 ASCII letters, digits, '.', '_', '-' or '@'.
[[nodiscard]] bool valid_user_name(std::string_view name);
// Fails on a password outside the length bounds (command_line_invalid, saying why).
[[nodiscard]] Result<void> check_password_rules(std::string_view password);
// An Argon2id hash ("$argon2id$v=19$m=...") of the password; fails only when out of memory.
[[nodiscard]] Result<std::string> hash_password(std::string_view password);
// Whether the password matches the hash. An empty hash (an unknown user) is checked against a
// fixed hash, so an unknown user takes as long to refuse as a wrong password.
[[nodiscard]] bool verify_password(const std::string& hash, std::string_view password);
// 32 random bytes, base64url without padding (43 characters).
[[nodiscard]] std::string random_secret();
// Lower-case hex SHA-256 of `text`.
[[nodiscard]] std::string sha256_hex(std::string_view text);
// Compares two secrets in time independent of where they differ.
[[nodiscard]] bool same_secret(std::string_view a, std::string_view b);

}  // namespace outpost::web

#include "web/secrets.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <stdexcept>

#include <fmt/format.h>

namespace outpost::web {
namespace {

void ensure_sodium() {
  static const int ready = sodium_init();  // thread-safe; 1 when already initialised
  if (ready < 0) throw std::runtime_error("libsodium could not be initialised");
}

// The hash an unknown user's password is checked against (made once, of a random password).
const std::string& dummy_hash() {
  static const std::string hash = [] {
    auto h = hash_password(random_secret());
    return h ? *h : std::string{};
  }();
  return hash;
}

}  // namespace

bool valid_user_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::ranges::all_of(name, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-' || c == '@';
  });
}

Result<void> check_password_rules(std::string_view password) {
  if (password.size() < kMinPasswordLength) {
    return fail(fmt::format("the password has {} characters; at least {} are needed",
                            password.size(), kMinPasswordLength),
                "choose a longer password (a passphrase of several words is easy to remember)",
                EventId::command_line_invalid);
  }
  if (password.size() > kMaxPasswordLength) {
    return fail(fmt::format("the password is longer than {} bytes", kMaxPasswordLength),
                "choose a shorter password", EventId::command_line_invalid);
  }
  if (password.find('\0') != std::string_view::npos) {
    return fail("the password contains a NUL byte", "choose another password",
                EventId::command_line_invalid);
  }
  return {};
}

Result<std::string> hash_password(std::string_view password) {
  ensure_sodium();
  std::array<char, crypto_pwhash_STRBYTES> out{};
  if (crypto_pwhash_str(out.data(), password.data(), password.size(),
                        crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return fail("hashing the password failed: out of memory",
                "free memory on this computer and try again");
  }
  return std::string(out.data());
}

bool verify_password(const std::string& hash, std::string_view password) {
  ensure_sodium();
  const std::string& against = hash.empty() ? dummy_hash() : hash;
  if (against.empty()) return false;
  const bool match =
      crypto_pwhash_str_verify(against.c_str(), password.data(), password.size()) == 0;
  return match && !hash.empty();
}

std::string random_secret() {
  ensure_sodium();
  std::array<unsigned char, 32> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  std::array<char, sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)> text{};
  sodium_bin2base64(text.data(), text.size(), bytes.data(), bytes.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return std::string(text.data());
}

std::string sha256_hex(std::string_view text) {
  ensure_sodium();
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(text.data()),
                     text.size());
  std::array<char, crypto_hash_sha256_BYTES * 2 + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  return std::string(hex.data());
}

bool same_secret(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace outpost::web

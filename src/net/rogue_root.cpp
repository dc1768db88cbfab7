#include "net/rogue_root.hpp"

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <array>

#include <fmt/format.h>

namespace outpost::net {
namespace {

std::string name_text(const X509_NAME* name) {
  std::array<char, 256> buffer{};
  X509_NAME_oneline(name, buffer.data(), static_cast<int>(buffer.size()));
  return buffer.data();
}

bool self_signed(X509* c) {
  return X509_check_issued(c, c) == X509_V_OK;
}

// The trusted certificate named `name`, if any.
X509* trusted_named(X509_STORE* store, const X509_NAME* name) {
  STACK_OF(X509_OBJECT)* objects = X509_STORE_get0_objects(store);
  for (int i = 0; i < sk_X509_OBJECT_num(objects); ++i) {
    X509* c = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objects, i));
    if (c != nullptr && X509_NAME_cmp(X509_get_subject_name(c), name) == 0) return c;
  }
  return nullptr;
}

// The certificate the peer sent whose subject is `name` (its claimed root or issuer).
X509* sent_named(STACK_OF(X509) * sent, const X509_NAME* name) {
  for (int i = 0; sent != nullptr && i < sk_X509_num(sent); ++i) {
    X509* c = sk_X509_value(sent, i);
    if (X509_NAME_cmp(X509_get_subject_name(c), name) == 0) return c;
  }
  return nullptr;
}

}  // namespace

std::string sha256_fingerprint(X509* certificate) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (X509_digest(certificate, EVP_sha256(), digest.data(), &length) != 1) return "(unknown)";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += fmt::format("{}{:02X}", i == 0 ? "" : ":", digest[i]);
  }
  return out;
}

std::optional<std::string> find_rogue_root(X509* failed, STACK_OF(X509) * sent,
                                           X509_STORE* trusted) {
  // The name of the root this chain claims: the failed certificate's own when it is a root,
  // otherwise its issuer's.
  const X509_NAME* name =
      self_signed(failed) ? X509_get_subject_name(failed) : X509_get_issuer_name(failed);
  X509* ours = trusted_named(trusted, name);
  if (ours == nullptr || X509_cmp(ours, failed) == 0) return std::nullopt;
  X509* theirs = self_signed(failed) ? failed : sent_named(sent, name);
  if (theirs != nullptr && X509_cmp(theirs, ours) == 0) return std::nullopt;
  EVP_PKEY* our_key = X509_get0_pubkey(ours);
  if (theirs == nullptr && our_key != nullptr && X509_verify(failed, our_key) == 1) {
    return std::nullopt;  // signed by our root after all: another failure (expired, purpose...)
  }
  if (theirs != nullptr) {
    EVP_PKEY* their_key = X509_get0_pubkey(theirs);
    if (their_key != nullptr && our_key != nullptr && EVP_PKEY_eq(their_key, our_key) == 1) {
      return std::nullopt;  // the same key: a re-issued root, not an impersonation
    }
  }
  return fmt::format(
      "the peer's certificate chains to a root named {} that is NOT the trusted root of that name "
      "(another key): trusted root SHA-256 {}, the peer's root SHA-256 {}. Compare both "
      "fingerprints with your CA's out of band; do not trust the peer's root unless your CA "
      "published it",
      name_text(name), sha256_fingerprint(ours),
      theirs != nullptr ? sha256_fingerprint(theirs)
                        : "unknown (the peer did not send its root; run openssl x509 -noout "
                          "-fingerprint -sha256 on it where it was issued)");
}

}  // namespace outpost::net

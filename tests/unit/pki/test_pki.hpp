// Test material made in-process: a throwaway CA and certificates with one property broken at a
// time. Nothing here is ever written outside a test's temporary folder.
#pragma once

#include <filesystem>
#include <string>

#include "pki/builder.hpp"
#include "pki/key.hpp"
#include "pki/stores.hpp"

namespace outpost::pki::testing {

// A temporary folder removed at the end of the test.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct Issued {
  Certificate certificate;
  KeyPtr key;
};

// A root CA (EC P-256, for speed) and helpers to issue from it.
class TestCa {
 public:
  explicit TestCa(const std::string& name = "Test Root CA");
  [[nodiscard]] const Certificate& certificate() const { return cert_; }
  [[nodiscard]] EVP_PKEY* key() const { return key_.get(); }

  // A computer certificate for `fqdn` (the Outpost profile); `change` may break it first.
  template <class Change>
  Issued issue(const std::string& fqdn, Change change) const {
    CertificateSpec spec = computer_profile(fqdn, 365, Clock::now());
    change(spec);
    return sign(spec, nullptr);
  }
  Issued issue(const std::string& fqdn) const {
    return issue(fqdn, [](CertificateSpec&) {});
  }
  // Signs `spec` for `subject_key` (a new EC key when null).
  Issued sign(const CertificateSpec& spec, KeyPtr subject_key) const;

 private:
  explicit TestCa(Issued root);
  Certificate cert_;
  KeyPtr key_;
};

// Writes the certificate and key as PEM files DIR/NAME.crt and DIR/NAME.key.
void write_pem_pair(const std::filesystem::path& dir, const std::string& name,
                    const Issued& issued);

}  // namespace outpost::pki::testing

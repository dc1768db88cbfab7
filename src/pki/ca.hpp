// Outpost's stand-alone certification authority: a folder holding the root certificate, its key
// (mode 0600) and an append-only index of what it issued.
//
//   D/ca.crt   D/ca.key   D/ca.toml (name, key type)   D/issued.jsonl (one line per certificate)
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"
#include "pki/certificate.hpp"
#include "pki/key.hpp"

namespace outpost::pki {

struct IssuedRecord {
  std::string serial;  // hex as the certificate shows it
  std::string subject;
  std::vector<std::string> dns_names;
  TimePoint not_after;
  TimePoint issued_at;
  std::string sha256;
};

struct IssuedFiles {
  Certificate certificate;
  std::filesystem::path certificate_file;
  std::filesystem::path key_file;  // empty when the CA signed a request (the key stays there)
};

// Whether `ca sign` may copy DNS names besides the subject CN into the certificate. Only the CN
// identifies a computer (docs/security.md), so extra names are refused unless the operator asks
// for them (--allow-extra-names).
enum class ExtraNames { refuse, allow };

class CertificateAuthority {
 public:
  static constexpr int kMaxDays = 3650 * 2;

  // Creates a new CA in `dir`; refuses when `dir` already holds a CA key.
  static Result<CertificateAuthority> init(const std::filesystem::path& dir,
                                           const std::string& name, int days, KeyType key_type);
  // Refuses (30007) a CA key file that group or others may read or write, as ssh does.
  static Result<CertificateAuthority> open(const std::filesystem::path& dir);

  // A key and a computer certificate for `fqdn` (its only name), written as OUT/<fqdn>.crt and
  // OUT/<fqdn>.key.
  Result<IssuedFiles> issue(const std::string& fqdn, const std::filesystem::path& out_dir, int days,
                            std::optional<KeyType> key_type);
  // Signs a validated request and writes the certificate to `out_file`. A request naming other
  // computers besides its CN is refused (30006, naming them) unless `extra` is allow.
  Result<IssuedFiles> sign(std::string_view csr, const std::filesystem::path& out_file, int days,
                           ExtraNames extra = ExtraNames::refuse);
  [[nodiscard]] Result<std::vector<IssuedRecord>> issued() const;

  [[nodiscard]] const Certificate& certificate() const { return cert_; }
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }

 private:
  CertificateAuthority(std::filesystem::path dir, Certificate cert, KeyPtr key);
  Result<Certificate> sign_computer(const std::string& fqdn,
                                    const std::vector<std::string>& dns_names,
                                    EVP_PKEY* subject_key, int days);
  Result<void> record(const Certificate& cert);

  std::filesystem::path dir_;
  Certificate cert_;
  KeyPtr key_;
};

}  // namespace outpost::pki

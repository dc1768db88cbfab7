// Builds and signs X.509 certificates. The CA uses it with Outpost's fixed profiles; tests use
// it to make the broken certificates the import checks must refuse.
#pragma once

#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/time.hpp"
#include "pki/certificate.hpp"

namespace outpost::pki {

struct CertificateSpec {
  std::string common_name;
  std::vector<std::string> dns_names;  // subjectAltName DNS entries
  std::string organization;            // optional O=
  bool is_ca = false;
  std::vector<std::string> ekus;  // dotted OIDs; empty means no EKU extension
  bool digital_signature = true;
  bool key_encipherment = true;
  bool key_cert_sign = false;
  bool crl_sign = false;
  TimePoint not_before;
  TimePoint not_after;
  std::vector<unsigned char> serial;  // big-endian; empty means random_serial()
};

// 18 random bytes, positive and without a leading zero byte (so it stays 18 bytes in DER).
[[nodiscard]] std::vector<unsigned char> random_serial();

// The profile of a computer certificate: CN and DNS SAN = fqdn, serverAuth + clientAuth,
// digitalSignature + keyEncipherment, CA:FALSE, valid from an hour ago for `days` days.
[[nodiscard]] CertificateSpec computer_profile(const std::string& fqdn, int days, TimePoint now);
// The profile of a root CA: CA:TRUE, keyCertSign + cRLSign.
[[nodiscard]] CertificateSpec root_profile(const std::string& name, int days, TimePoint now);

// Signs `spec` for `subject_key`. With `issuer` null the certificate is self-signed by
// `issuer_key` (which must then be the subject key).
[[nodiscard]] Result<Certificate> sign_certificate(const CertificateSpec& spec,
                                                   EVP_PKEY* subject_key, const Certificate* issuer,
                                                   EVP_PKEY* issuer_key);

}  // namespace outpost::pki

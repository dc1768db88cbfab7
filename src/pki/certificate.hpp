// A read-only view of one X.509 certificate with the properties Outpost checks and shows.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/refusal.hpp"
#include "core/time.hpp"
#include "pki/ossl.hpp"

namespace outpost::pki {

inline constexpr std::string_view kServerAuthOid = "1.3.6.1.5.5.7.3.1";
inline constexpr std::string_view kClientAuthOid = "1.3.6.1.5.5.7.3.2";

struct KeyUsage {
  bool present = false;  // the extension exists (absent means "not restricted", RFC 5280)
  bool digital_signature = false;
  bool key_encipherment = false;
  bool key_cert_sign = false;
};

class Certificate {
 public:
  explicit Certificate(X509Ptr x509);  // takes ownership; must not be null
  Certificate(const Certificate& other);
  Certificate& operator=(const Certificate& other);
  Certificate(Certificate&&) noexcept = default;
  Certificate& operator=(Certificate&&) noexcept = default;
  ~Certificate() = default;

  [[nodiscard]] X509* get() const { return x509_.get(); }

  [[nodiscard]] std::string subject() const;  // "CN=agent1.lab.test, O=..."
  [[nodiscard]] std::string issuer() const;
  [[nodiscard]] std::string common_name() const;             // "" when there is none
  [[nodiscard]] std::vector<std::string> dns_names() const;  // DNS subjectAltNames
  // The identity rule (SCOM's, docs/security.md): a certificate identifies the one computer its
  // subject CN names. Other DNS names it carries prove nothing (extra_names lists them).
  [[nodiscard]] bool is_identity_of(std::string_view fqdn) const;
  [[nodiscard]] std::vector<std::string> extra_names() const;  // DNS SANs other than the CN
  // The serial's bytes as upper-case hex, as `openssl x509 -serial` prints it.
  [[nodiscard]] std::string serial_hex() const;
  // The same bytes in reverse order: MOMCertImport's ChannelCertificateSerialNumber.
  [[nodiscard]] std::string serial_reversed_hex() const;
  [[nodiscard]] std::size_t serial_bytes() const;
  [[nodiscard]] std::string sha256_hex() const;  // lower-case thumbprint
  [[nodiscard]] TimePoint not_before() const;
  [[nodiscard]] TimePoint not_after() const;
  [[nodiscard]] std::vector<std::string> extended_key_usages() const;  // dotted OIDs
  [[nodiscard]] bool has_eku(std::string_view oid) const;
  [[nodiscard]] KeyUsage key_usage() const;
  [[nodiscard]] bool is_ca() const;           // basicConstraints CA:TRUE, or a v1 self-signed root
  [[nodiscard]] bool is_self_issued() const;  // subject == issuer
  [[nodiscard]] EVP_PKEY* public_key() const;

  [[nodiscard]] std::string pem() const;

 private:
  X509Ptr x509_;
};

// All certificates in PEM text (one or more blocks), or one DER certificate.
// What a refused peer presented, for its refusal record (core/refusal.hpp).
[[nodiscard]] PresentedCertificate presented(const Certificate& certificate);

[[nodiscard]] Result<std::vector<Certificate>> parse_certificates(std::string_view data);

// A readable name for an EKU OID: "serverAuth", "clientAuth", or the OID itself.
[[nodiscard]] std::string eku_name(std::string_view oid);

// Reverses the byte order of a hex string ("AF3C56" -> "563CAF").
[[nodiscard]] std::string reverse_hex_bytes(std::string_view hex);

}  // namespace outpost::pki

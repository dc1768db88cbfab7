#include "pki/builder.hpp"

#include <openssl/rand.h>

#include <fmt/format.h>

namespace outpost::pki {
namespace {

bool add_name_entry(X509_NAME* name, const char* field, const std::string& value) {
  return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                    reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1,
                                    0) == 1;
}

bool add_extension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str()));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

std::string join(const std::vector<std::string>& parts, std::string_view prefix) {
  std::string out;
  for (const auto& part : parts) {
    out += out.empty() ? "" : ",";
    out += prefix;
    out += part;
  }
  return out;
}

std::string key_usage_text(const CertificateSpec& spec) {
  std::vector<std::string> bits;
  if (spec.digital_signature) bits.emplace_back("digitalSignature");
  if (spec.key_encipherment) bits.emplace_back("keyEncipherment");
  if (spec.key_cert_sign) bits.emplace_back("keyCertSign");
  if (spec.crl_sign) bits.emplace_back("cRLSign");
  return bits.empty() ? std::string() : "critical," + join(bits, "");
}

bool set_serial(X509* cert, const std::vector<unsigned char>& bytes) {
  BignumPtr bn(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
  return bn && BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) != nullptr;
}

bool set_time(ASN1_TIME* field, TimePoint t) {
  return ASN1_TIME_set(field, Clock::to_time_t(t)) != nullptr;
}

bool add_extensions(X509* cert, const CertificateSpec& spec, X509* issuer) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  bool ok = add_extension(cert, &ctx, NID_basic_constraints,
                          spec.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE") &&
            add_extension(cert, &ctx, NID_subject_key_identifier, "hash") &&
            add_extension(cert, &ctx, NID_authority_key_identifier, "keyid:always");
  if (ok && !key_usage_text(spec).empty()) {
    ok = add_extension(cert, &ctx, NID_key_usage, key_usage_text(spec));
  }
  if (ok && !spec.ekus.empty()) {
    ok = add_extension(cert, &ctx, NID_ext_key_usage, join(spec.ekus, ""));
  }
  if (ok && !spec.dns_names.empty()) {
    ok = add_extension(cert, &ctx, NID_subject_alt_name, join(spec.dns_names, "DNS:"));
  }
  return ok;
}

}  // namespace

std::vector<unsigned char> random_serial() {
  std::vector<unsigned char> serial(18);
  RAND_bytes(serial.data(), static_cast<int>(serial.size()));
  serial[0] = static_cast<unsigned char>((serial[0] & 0x7F) | 0x40);
  return serial;
}

CertificateSpec computer_profile(const std::string& fqdn, int days, TimePoint now) {
  CertificateSpec spec;
  spec.common_name = fqdn;
  spec.dns_names = {fqdn};
  spec.ekus = {std::string(kServerAuthOid), std::string(kClientAuthOid)};
  spec.not_before = now - std::chrono::hours(1);
  spec.not_after = now + std::chrono::days(days);
  return spec;
}

CertificateSpec root_profile(const std::string& name, int days, TimePoint now) {
  CertificateSpec spec;
  spec.common_name = name;
  spec.is_ca = true;
  spec.digital_signature = false;
  spec.key_encipherment = false;
  spec.key_cert_sign = true;
  spec.crl_sign = true;
  spec.not_before = now - std::chrono::hours(1);
  spec.not_after = now + std::chrono::days(days);
  return spec;
}

Result<Certificate> sign_certificate(const CertificateSpec& spec, EVP_PKEY* subject_key,
                                     const Certificate* issuer, EVP_PKEY* issuer_key) {
  X509Ptr cert(X509_new());
  X509_NAME* name = X509_get_subject_name(cert.get());
  bool ok = X509_set_version(cert.get(), X509_VERSION_3) == 1 &&
            set_serial(cert.get(), spec.serial.empty() ? random_serial() : spec.serial) &&
            set_time(X509_getm_notBefore(cert.get()), spec.not_before) &&
            set_time(X509_getm_notAfter(cert.get()), spec.not_after) &&
            (spec.organization.empty() || add_name_entry(name, "O", spec.organization)) &&
            add_name_entry(name, "CN", spec.common_name) &&
            X509_set_pubkey(cert.get(), subject_key) == 1;
  X509* issuer_x509 = issuer != nullptr ? issuer->get() : cert.get();
  ok = ok && X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer_x509)) == 1 &&
       add_extensions(cert.get(), spec, issuer_x509) &&
       X509_sign(cert.get(), issuer_key, EVP_sha256()) > 0;
  if (!ok) {
    return fail(fmt::format("cannot build the certificate for '{}': {}", spec.common_name,
                            openssl_errors()));
  }
  // Decode the signed bytes again: OpenSSL caches extension flags computed while the
  // certificate was being built, and callers must see exactly what a peer will see.
  unsigned char* der = nullptr;
  const int length = i2d_X509(cert.get(), &der);
  const unsigned char* cursor = der;
  X509Ptr decoded(length > 0 ? d2i_X509(nullptr, &cursor, length) : nullptr);
  OPENSSL_free(der);
  if (!decoded) {
    return fail("cannot encode the certificate: " + openssl_errors());
  }
  return Certificate(std::move(decoded));
}

}  // namespace outpost::pki

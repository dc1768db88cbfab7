#include "pki/certificate.hpp"

#include <openssl/pem.h>

#include <algorithm>
#include <ctime>

#include <fmt/format.h>

#include "core/names.hpp"

namespace outpost::pki {
namespace {

std::string name_text(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  return bio_text(bio.get());
}

TimePoint to_time_point(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) {
    return TimePoint{};
  }
  // A peer's certificate may say year 9999: the clock's range (nanoseconds) ends in 2262.
  constexpr std::time_t kLimit = 9'000'000'000;  // seconds, year 2255
  return Clock::from_time_t(std::clamp<std::time_t>(timegm(&tm), -kLimit, kLimit));
}

std::string oid_text(const ASN1_OBJECT* object) {
  char buffer[128];
  const int n = OBJ_obj2txt(buffer, sizeof buffer, object, 1);
  return n > 0 ? std::string(buffer, static_cast<std::size_t>(std::min(n, 127))) : std::string();
}

std::string hex(const unsigned char* data, std::size_t size, bool upper) {
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += upper ? fmt::format("{:02X}", data[i]) : fmt::format("{:02x}", data[i]);
  }
  return out;
}

}  // namespace

Certificate::Certificate(X509Ptr x509) : x509_(std::move(x509)) {}

Certificate::Certificate(const Certificate& other) : x509_(other.x509_.get()) {
  X509_up_ref(x509_.get());
}

Certificate& Certificate::operator=(const Certificate& other) {
  if (this != &other) {
    X509_up_ref(other.x509_.get());
    x509_.reset(other.x509_.get());
  }
  return *this;
}

std::string Certificate::subject() const {
  return name_text(X509_get_subject_name(get()));
}
std::string Certificate::issuer() const {
  return name_text(X509_get_issuer_name(get()));
}

std::string Certificate::common_name() const {
  const X509_NAME* name = X509_get_subject_name(get());
  const int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) {
    return {};
  }
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  const int length = ASN1_STRING_to_UTF8(&utf8, data);
  if (length < 0) {
    return {};
  }
  std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(length));
  OPENSSL_free(utf8);
  return out;
}

std::vector<std::string> Certificate::dns_names() const {
  std::vector<std::string> out;
  NamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(get(), NID_subject_alt_name, nullptr, nullptr)));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type == GEN_DNS) {
      const ASN1_IA5STRING* dns = name->d.dNSName;
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                       static_cast<std::size_t>(ASN1_STRING_length(dns)));
    }
  }
  return out;
}

bool Certificate::is_identity_of(std::string_view fqdn) const {
  return !fqdn.empty() && same_host_name(common_name(), fqdn);
}

std::vector<std::string> Certificate::extra_names() const {
  std::vector<std::string> extra;
  const std::string cn = common_name();
  for (auto& name : dns_names()) {
    if (!same_host_name(name, cn)) extra.push_back(std::move(name));
  }
  return extra;
}

std::string Certificate::serial_hex() const {
  const ASN1_INTEGER* serial = X509_get0_serialNumber(get());
  return hex(ASN1_STRING_get0_data(serial), static_cast<std::size_t>(ASN1_STRING_length(serial)),
             true);
}

std::string Certificate::serial_reversed_hex() const {
  return reverse_hex_bytes(serial_hex());
}

std::size_t Certificate::serial_bytes() const {
  return static_cast<std::size_t>(ASN1_STRING_length(X509_get0_serialNumber(get())));
}

std::string Certificate::sha256_hex() const {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  X509_digest(get(), EVP_sha256(), digest, &length);
  return hex(digest, length, false);
}

TimePoint Certificate::not_before() const {
  return to_time_point(X509_get0_notBefore(get()));
}
TimePoint Certificate::not_after() const {
  return to_time_point(X509_get0_notAfter(get()));
}

std::vector<std::string> Certificate::extended_key_usages() const {
  std::vector<std::string> out;
  auto* ekus = static_cast<EXTENDED_KEY_USAGE*>(
      X509_get_ext_d2i(get(), NID_ext_key_usage, nullptr, nullptr));
  for (int i = 0; ekus != nullptr && i < sk_ASN1_OBJECT_num(ekus); ++i) {
    out.push_back(oid_text(sk_ASN1_OBJECT_value(ekus, i)));
  }
  EXTENDED_KEY_USAGE_free(ekus);
  return out;
}

bool Certificate::has_eku(std::string_view oid) const {
  const auto ekus = extended_key_usages();
  return std::ranges::find(ekus, oid) != ekus.end();
}

KeyUsage Certificate::key_usage() const {
  KeyUsage usage;
  const uint32_t bits = X509_get_key_usage(get());
  usage.present = bits != UINT32_MAX;
  usage.digital_signature = (bits & KU_DIGITAL_SIGNATURE) != 0;
  usage.key_encipherment = (bits & KU_KEY_ENCIPHERMENT) != 0;
  usage.key_cert_sign = (bits & KU_KEY_CERT_SIGN) != 0;
  return usage;
}

bool Certificate::is_ca() const {
  return (X509_get_extension_flags(get()) & EXFLAG_CA) != 0 || X509_check_ca(get()) != 0;
}

bool Certificate::is_self_issued() const {
  return X509_NAME_cmp(X509_get_subject_name(get()), X509_get_issuer_name(get())) == 0;
}

EVP_PKEY* Certificate::public_key() const {
  return X509_get0_pubkey(get());
}

std::string Certificate::pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), get());
  return bio_text(bio.get());
}

Result<std::vector<Certificate>> parse_certificates(std::string_view data) {
  std::vector<Certificate> out;
  if (data.find("-----BEGIN") != std::string_view::npos) {
    auto bio = read_bio(data);
    while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
      out.emplace_back(X509Ptr(x));
    }
    ERR_clear_error();  // the loop ends on "no start line"
  } else {
    auto bio = read_bio(data);
    if (X509* x = d2i_X509_bio(bio.get(), nullptr)) {
      out.emplace_back(X509Ptr(x));
    }
    ERR_clear_error();
  }
  if (out.empty()) {
    return fail("the file holds no readable certificate (PEM or DER)",
                "pass a certificate file, or use --pfx for a PKCS#12 file",
                EventId::cert_file_unreadable);
  }
  return out;
}

std::string eku_name(std::string_view oid) {
  if (oid == kServerAuthOid) return "serverAuth";
  if (oid == kClientAuthOid) return "clientAuth";
  return std::string(oid);
}

std::string reverse_hex_bytes(std::string_view hex_text) {
  std::string out;
  out.reserve(hex_text.size());
  for (std::size_t end = hex_text.size(); end >= 2; end -= 2) {
    out.append(hex_text.substr(end - 2, 2));
  }
  if (hex_text.size() % 2 == 1) {
    out.append(hex_text.substr(0, 1));
  }
  return out;
}

PresentedCertificate presented(const Certificate& certificate) {
  return PresentedCertificate{certificate.subject(),    certificate.issuer(),
                              certificate.serial_hex(), certificate.sha256_hex(),
                              certificate.not_before(), certificate.not_after()};
}

}  // namespace outpost::pki

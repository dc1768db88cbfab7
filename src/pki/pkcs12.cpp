#include "pki/pkcs12.hpp"

#include <openssl/err.h>
#include <openssl/provider.h>

namespace outpost::pki {
namespace {

// The legacy algorithms live in a provider that is not loaded by default. Loading it (with the
// default provider, which explicit loading would otherwise switch off) is process-wide and
// harmless to everything else, so it is done once, on the first PFX that needs it, and undone
// at exit.
struct LegacyProviders {
  OSSL_PROVIDER* standard = OSSL_PROVIDER_load(nullptr, "default");
  OSSL_PROVIDER* legacy = OSSL_PROVIDER_load(nullptr, "legacy");
  LegacyProviders() = default;
  LegacyProviders(const LegacyProviders&) = delete;
  LegacyProviders& operator=(const LegacyProviders&) = delete;
  ~LegacyProviders() {
    if (legacy != nullptr) OSSL_PROVIDER_unload(legacy);
    if (standard != nullptr) OSSL_PROVIDER_unload(standard);
  }
};

bool load_legacy_provider() {
  static const LegacyProviders providers;
  return providers.standard != nullptr && providers.legacy != nullptr;
}

Result<Pkcs12Ptr> parse_der(std::string_view data) {
  auto bio = read_bio(data);
  Pkcs12Ptr p12(d2i_PKCS12_bio(bio.get(), nullptr));
  if (!p12) {
    ERR_clear_error();
    return fail("the file is not a PKCS#12 (PFX) file",
                "pass a .pfx/.p12 file exported with "
                "its private key, or use --cert and --key for PEM files",
                EventId::cert_file_unreadable);
  }
  return p12;
}

// Which password opens the file: the given one, or for "no password" "" or null.
Result<const char*> find_password(PKCS12* p12, const std::string& password) {
  if (PKCS12_mac_present(p12) == 0) {
    return password.c_str();
  }
  if (PKCS12_verify_mac(p12, password.c_str(), -1) == 1) {
    return password.c_str();
  }
  if (password.empty() && PKCS12_verify_mac(p12, nullptr, 0) == 1) {
    return nullptr;
  }
  ERR_clear_error();
  return fail(password.empty() ? "the PFX file is protected by a password"
                               : "the PFX password is wrong (the integrity check failed)",
              "pass the export password in a file with --password-file FILE",
              EventId::cert_file_unreadable);
}

}  // namespace

Result<PfxContents> read_pfx(std::string_view data, const std::string& password) {
  auto p12 = parse_der(data);
  if (!p12) return std::unexpected(p12.error());
  auto pass = find_password(p12->get(), password);
  if (!pass) return std::unexpected(pass.error());

  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  STACK_OF(X509)* ca = nullptr;
  bool ok = PKCS12_parse(p12->get(), *pass, &key, &cert, &ca) == 1;
  if (!ok && load_legacy_provider()) {
    ERR_clear_error();
    ok = PKCS12_parse(p12->get(), *pass, &key, &cert, &ca) == 1;
  }
  if (!ok) {
    return fail("the PFX file cannot be decrypted: " + openssl_errors(),
                "export it again (with AES-256 or the legacy 3DES algorithm) and retry",
                EventId::cert_file_unreadable);
  }
  X509StackPtr others_stack(ca);
  PfxContents out;
  out.key.reset(key);
  if (cert != nullptr) {
    out.certificate.emplace(X509Ptr(cert));
  }
  for (int i = 0; others_stack && i < sk_X509_num(others_stack.get()); ++i) {
    X509* x = sk_X509_value(others_stack.get(), i);
    X509_up_ref(x);
    Certificate c{X509Ptr(x)};
    if (!out.certificate && !c.is_ca()) {
      out.certificate.emplace(std::move(c));  // no key in the file: the end-entity certificate
    } else {
      out.others.push_back(std::move(c));
    }
  }
  if (!out.certificate) {
    return fail("the PFX file holds no computer certificate",
                "export the computer's certificate with its private key",
                EventId::cert_file_unreadable);
  }
  return out;
}

}  // namespace outpost::pki

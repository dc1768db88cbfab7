#include "pki/proof.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <fmt/format.h>

#include "core/names.hpp"

namespace outpost::pki {
namespace {

using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;

std::string lower_hex(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes)
    out += fmt::format("{:02x}", static_cast<unsigned char>(c));
  return out;
}

Result<Certificate> parse_der(const std::string& der) {
  if (der.empty() || der.size() > kMaxCertificateBytes) {
    return fail(fmt::format("a certificate of the chain has {} bytes (at most {})", der.size(),
                            kMaxCertificateBytes),
                "", EventId::agent_proof_refused);
  }
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (x == nullptr || p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    if (x != nullptr) X509_free(x);
    ERR_clear_error();
    return fail("a certificate of the chain is not DER", "", EventId::agent_proof_refused);
  }
  return Certificate(X509Ptr(x));
}

}  // namespace

std::string make_nonce() {
  std::string nonce(kNonceBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(nonce.data()), static_cast<int>(nonce.size())) !=
      1) {
    throw std::runtime_error("the random generator failed");  // a broken OpenSSL: nothing to do
  }
  return nonce;
}

std::string proof_statement(const ProofContext& c) {
  return fmt::format("outpost agent proof v1\n{}\n{}\n{}\n{}", lower_hex(c.nonce),
                     canonical_host_name(c.agent), canonical_host_name(c.gateway),
                     c.management_group);
}

Result<std::string> sign_proof(EVP_PKEY* key, const ProofContext& context) {
  const std::string statement = proof_statement(context);
  MdCtxPtr md(EVP_MD_CTX_new());
  std::size_t length = 0;
  if (key == nullptr || !md ||
      EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(md.get(), nullptr, &length,
                     reinterpret_cast<const unsigned char*>(statement.data()),
                     statement.size()) != 1) {
    ERR_clear_error();
    return fail("the proof could not be signed with this computer's key", "",
                EventId::agent_proof_refused);
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(statement.data()),
                     statement.size()) != 1) {
    ERR_clear_error();
    return fail("the proof could not be signed with this computer's key", "",
                EventId::agent_proof_refused);
  }
  signature.resize(length);
  return signature;
}

bool verify_proof(EVP_PKEY* public_key, const ProofContext& context, std::string_view signature) {
  if (public_key == nullptr || context.nonce.size() != kNonceBytes || signature.empty() ||
      signature.size() > 1024) {
    return false;
  }
  const std::string statement = proof_statement(context);
  MdCtxPtr md(EVP_MD_CTX_new());
  const bool ok =
      md && EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, public_key) == 1 &&
      EVP_DigestVerify(md.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(statement.data()),
                       statement.size()) == 1;
  ERR_clear_error();
  return ok;
}

std::string public_key_sha256_hex(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int length = key == nullptr ? -1 : i2d_PUBKEY(key, &der);
  if (length <= 0) {
    ERR_clear_error();
    return "";
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(der, static_cast<std::size_t>(length), digest, &size, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  return lower_hex(std::string_view(reinterpret_cast<const char*>(digest), size));
}

Result<Certificate> verify_client_chain(const std::vector<std::string>& der_chain,
                                        const std::vector<Certificate>& trusted,
                                        std::string_view fqdn, TimePoint now) {
  if (der_chain.empty() || der_chain.size() > kMaxChainCertificates) {
    return fail(fmt::format("the relayed chain has {} certificates (1 to {})", der_chain.size(),
                            kMaxChainCertificates),
                "", EventId::agent_proof_refused);
  }
  std::vector<Certificate> chain;
  for (const auto& der : der_chain) {
    auto c = parse_der(der);
    if (!c) return std::unexpected(c.error());
    chain.push_back(std::move(*c));
  }
  if (!chain.front().is_identity_of(fqdn)) {
    return fail(fmt::format("the relayed certificate's subject CN is '{}', not '{}'",
                            chain.front().common_name(), fqdn),
                "", EventId::agent_proof_refused);
  }
  StorePtr store(X509_STORE_new());
  for (const auto& c : trusted)
    X509_STORE_add_cert(store.get(), c.get());
  X509StackPtr untrusted(sk_X509_new_null());
  for (std::size_t i = 1; i < chain.size(); ++i) {
    X509_up_ref(chain[i].get());
    sk_X509_push(untrusted.get(), chain[i].get());
  }
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !untrusted || !ctx ||
      X509_STORE_CTX_init(ctx.get(), store.get(), chain.front().get(), untrusted.get()) != 1) {
    ERR_clear_error();
    return fail("the chain could not be checked (out of memory?)", "",
                EventId::agent_proof_refused);
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, Clock::to_time_t(now));
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_CLIENT);
  if (X509_verify_cert(ctx.get()) != 1) {
    const int error = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    return fail(fmt::format("the certificate of {} does not verify against this server's trusted "
                            "store: {}",
                            fqdn, X509_verify_cert_error_string(error)),
                "", EventId::agent_proof_refused);
  }
  return std::move(chain.front());
}

}  // namespace outpost::pki

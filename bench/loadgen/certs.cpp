#include "loadgen/certs.hpp"

#include <openssl/pem.h>

#include <fmt/format.h>

#include "core/files.hpp"
#include "pki/builder.hpp"
#include "pki/ca.hpp"
#include "pki/key.hpp"

namespace outpost::bench {
namespace {

constexpr std::size_t kPerFile = 1000;
constexpr int kDays = 3650;

std::filesystem::path chunk_file(const std::filesystem::path& cache, std::size_t chunk) {
  return cache / fmt::format("agents-{:04}.pem", chunk);
}

// Reads key, certificate, key, certificate, ... from one chunk file.
Result<std::vector<AgentCredential>> read_chunk(const std::filesystem::path& file,
                                                std::size_t first) {
  auto text = read_file(file);
  if (!text) return std::unexpected(text.error());
  pki::BioPtr bio(BIO_new_mem_buf(text->data(), static_cast<int>(text->size())));
  std::vector<AgentCredential> out;
  for (std::size_t i = 0; i < kPerFile; ++i) {
    pki::KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    pki::X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!key || !cert) break;
    out.push_back({agent_fqdn(first + i), std::move(key), std::move(cert)});
  }
  if (out.size() != kPerFile) {
    return fail(fmt::format("{} holds {} agents, not {}", file.string(), out.size(), kPerFile),
                "remove the bench cache folder; it is issued again");
  }
  return out;
}

Result<std::vector<AgentCredential>> issue_chunk(const std::filesystem::path& file,
                                                 std::size_t first, const pki::Certificate& ca,
                                                 EVP_PKEY* ca_key) {
  std::vector<AgentCredential> out;
  std::string pem;
  const TimePoint now = Clock::now();
  for (std::size_t i = 0; i < kPerFile; ++i) {
    auto key = pki::generate_key(pki::KeyType::ec256);
    if (!key) return std::unexpected(key.error());
    const std::string fqdn = agent_fqdn(first + i);
    auto cert =
        pki::sign_certificate(pki::computer_profile(fqdn, kDays - 1, now), key->get(), &ca, ca_key);
    if (!cert) return std::unexpected(cert.error());
    auto key_pem = pki::private_key_pem(key->get());
    if (!key_pem) return std::unexpected(key_pem.error());
    pem += *key_pem;
    pem += cert->pem();
    X509_up_ref(cert->get());
    out.push_back({fqdn, std::move(*key), pki::X509Ptr(cert->get())});
  }
  if (auto written = write_file_atomic(file, pem, 0600); !written) {
    return std::unexpected(written.error());
  }
  return out;
}

}  // namespace

std::string agent_fqdn(std::size_t index) {
  return fmt::format("a{:06}.load.test", index);
}

Result<Credentials> load_or_issue(const std::filesystem::path& cache, std::size_t count,
                                  const std::function<void(std::size_t)>& progress) {
  const auto ca_dir = cache / "ca";
  if (!std::filesystem::exists(ca_dir / "ca.key")) {
    auto made =
        pki::CertificateAuthority::init(ca_dir, "Outpost Bench CA", kDays, pki::KeyType::ec256);
    if (!made) return std::unexpected(made.error());
  }
  auto ca_text = read_file(ca_dir / "ca.crt");
  if (!ca_text) return std::unexpected(ca_text.error());
  auto key_text = read_file(ca_dir / "ca.key");
  if (!key_text) return std::unexpected(key_text.error());
  auto ca_certs = pki::parse_certificates(*ca_text);
  if (!ca_certs) return std::unexpected(ca_certs.error());
  auto ca_key = pki::load_private_key(*key_text);
  if (!ca_key) return std::unexpected(ca_key.error());

  Credentials out;
  const pki::Certificate& ca = ca_certs->front();
  X509_up_ref(ca.get());
  out.ca.reset(ca.get());
  out.agents.reserve(count + kPerFile);
  for (std::size_t chunk = 0; chunk * kPerFile < count; ++chunk) {
    const auto file = chunk_file(cache, chunk);
    const bool cached = std::filesystem::exists(file);
    auto agents = cached ? read_chunk(file, chunk * kPerFile)
                         : issue_chunk(file, chunk * kPerFile, ca, ca_key->get());
    if (!agents) return std::unexpected(agents.error());
    if (!cached) out.issued_now += agents->size();
    for (auto& a : *agents)
      out.agents.push_back(std::move(a));
    if (progress) progress(std::min(out.agents.size(), count));
  }
  out.agents.resize(count);
  return out;
}

}  // namespace outpost::bench

// Checks 4-6, the machine's stores: the trusted store holds the CA chain of the channel
// certificate (4); the personal store holds the channel certificate with its private key (5);
// machine-settings.toml names that certificate by reversed serial and hash (6), which catches a
// certificate renewed on disk but never imported (MOMCertImport not re-run).
#include <openssl/err.h>
#include <openssl/evp.h>

#include <algorithm>

#include <fmt/format.h>

#include "core/files.hpp"
#include "doctor/context.hpp"
#include "pki/checks.hpp"
#include "pki/key.hpp"

namespace outpost::doctor {
namespace {

std::string describe(const pki::PersonalEntry& e) {
  return fmt::format("{} ({}, serial {}, valid from {})", e.certificate_file.filename().string(),
                     e.certificate.subject(), e.certificate.serial_hex(),
                     format_utc(e.certificate.not_before()));
}

std::string held(const Context& c) {
  std::vector<std::string> all;
  for (const auto& e : c.personal.entries)
    all.push_back(describe(e));
  for (const auto& p : c.personal.problems)
    all.push_back("unreadable: " + p);
  return all.empty() ? std::string("nothing") : fmt::format("{}", fmt::join(all, "; "));
}

std::string import_command(const Context& c) {
  return fmt::format("outpost cert import --state {} --fqdn {}", c.state_dir(), c.config->fqdn);
}

// Whether the chain builds to a trusted root when time is not checked: an expired or not yet
// valid channel certificate is check 7's finding, not a missing root.
bool builds_ignoring_time(const pki::PersonalEntry& entry, const pki::TrustedStore& trusted) {
  pki::StorePtr store(X509_STORE_new());
  for (const auto& c : trusted.certificates)
    X509_STORE_add_cert(store.get(), c.get());
  pki::X509StackPtr untrusted(sk_X509_new_null());
  for (const auto& c : entry.intermediates) {
    X509_up_ref(c.get());
    sk_X509_push(untrusted.get(), c.get());
  }
  pki::StoreCtxPtr ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), entry.certificate.get(), untrusted.get());
  X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_NO_CHECK_TIME);
  const bool ok = X509_verify_cert(ctx.get()) == 1;
  ERR_clear_error();
  return ok;
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

}  // namespace

std::vector<Finding> check_trusted_store(Context& c) {
  c.load_stores();
  const std::string folder = c.paths.trusted().string();
  std::vector<std::string> names;
  for (const auto& t : c.trusted.certificates)
    names.push_back(t.common_name().empty() ? t.subject() : t.common_name());
  if (c.trusted.certificates.empty()) {
    return {failed(EventId::remote_cert_untrusted,
                   fmt::format("{} holds no CA certificate{}", folder,
                               c.trusted.problems.empty()
                                   ? std::string()
                                   : fmt::format(" ({})", fmt::join(c.trusted.problems, "; "))),
                   fmt::format("trust the root CA (and any intermediate) that issued the "
                               "certificates: outpost cert trust --state {} ROOT-CA.crt",
                               c.state_dir()))};
  }
  const pki::PersonalEntry* entry = c.candidate_entry();
  if (entry == nullptr) {
    return {
        skipped(fmt::format("no channel certificate to build a chain for (check 5); {} "
                            "holds {}",
                            folder, fmt::join(names, ", ")))};
  }
  if (entry->certificate.is_self_issued()) {  // no CA to trust: check 7 says what is wrong
    return {
        skipped(fmt::format("{} is self-signed: no CA issued it, so there is no chain to "
                            "build (check 7); {} holds {}",
                            entry->certificate.subject(), folder, fmt::join(names, ", ")))};
  }
  const pki::CheckInput input{&entry->certificate,    nullptr,        entry->intermediates,
                              c.trusted.certificates, c.config->fqdn, c.options.now,
                              c.trusted.problems};
  const pki::CheckResult chain = pki::check_chain(input);
  const pki::Certificate& own = entry->certificate;
  const bool outside_validity = c.options.now < own.not_before() || c.options.now > own.not_after();
  if (chain.verdict != pki::Verdict::pass && outside_validity &&
      builds_ignoring_time(*entry, c.trusted)) {
    return {
        passed(fmt::format("{}: the chain builds to a trusted root in {} (the certificate "
                           "itself is outside its validity period: check 7)",
                           own.common_name(), folder))};
  }
  if (chain.verdict != pki::Verdict::pass) {
    return {failed(EventId::remote_cert_untrusted,
                   fmt::format("{}; {} holds: {}", chain.detail, folder, fmt::join(names, ", ")),
                   replace_all(chain.fix, "--state DIR", "--state " + c.state_dir()))};
  }
  return {passed(fmt::format("{}: {}", entry->certificate.common_name(), chain.detail))};
}

std::vector<Finding> check_personal_store(Context& c) {
  c.load_stores();
  const pki::PersonalEntry* entry = c.candidate_entry();
  if (entry == nullptr) {
    return {failed(
        EventId::cert_not_found,
        fmt::format("{} holds no certificate for {}; it holds: {}", c.paths.personal().string(),
                    c.config->fqdn, held(c)),
        fmt::format("import this computer's certificate with its key: {} --cert FILE --key FILE "
                    "(or --pfx FILE)",
                    import_command(c)))};
  }
  const std::string key_file = entry->key_file.string();
  const std::string fix = fmt::format(
      "put the private key the certificate was issued for beside it as {} (mode "
      "0600), or import the certificate with its key: {} --cert FILE --key FILE",
      key_file, import_command(c));
  auto text = read_file(entry->key_file);
  if (!text) {
    return {failed(EventId::cert_no_private_key,
                   fmt::format("the certificate {} has no private key: {} is missing or "
                               "unreadable",
                               describe(*entry), key_file),
                   fix)};
  }
  auto key = pki::load_private_key(*text);
  if (!key) {
    return {failed(EventId::cert_no_private_key,
                   fmt::format("{}: {}", key_file, key.error().message), fix)};
  }
  if (EVP_PKEY_eq(entry->certificate.public_key(), key->get()) != 1) {
    ERR_clear_error();
    return {failed(
        EventId::cert_no_private_key,
        fmt::format("{} does not match the public key of {}", key_file, describe(*entry)), fix)};
  }
  return {
      passed(fmt::format("{} with its private key {} ({})", describe(*entry),
                         entry->key_file.filename().string(), pki::key_description(key->get())))};
}

std::vector<Finding> check_machine_settings(Context& c) {
  c.load_stores();
  const std::string file = c.paths.machine_settings().string();
  const pki::PersonalEntry* candidate = c.candidate_entry();
  const std::string reimport =
      candidate != nullptr
          ? fmt::format("import it: {} --subject {}", import_command(c), c.config->fqdn)
          : fmt::format("import the certificate: {} --cert FILE --key FILE", import_command(c));
  if (c.settings_error) {
    return {failed(EventId::cert_not_found, c.settings_error->message, reimport)};
  }
  if (!c.settings) {
    return {failed(EventId::cert_not_found,
                   fmt::format("no channel certificate is recorded: {} does not exist", file),
                   reimport)};
  }
  const pki::MachineSettings& s = *c.settings;
  const pki::PersonalEntry* recorded = c.recorded_entry();
  if (recorded == nullptr) {
    return {failed(
        EventId::cert_not_found,
        fmt::format("{} names ChannelCertificateSerialNumber {} and ChannelCertificateHash {}, "
                    "but the personal store holds no such certificate; {}",
                    file, s.serial_reversed, s.sha256,
                    candidate != nullptr
                        ? fmt::format("the certificate for {} there is {} (serial reversed {}, "
                                      "SHA-256 {}): renewed but never imported",
                                      c.config->fqdn, describe(*candidate),
                                      candidate->certificate.serial_reversed_hex(),
                                      candidate->certificate.sha256_hex())
                        : fmt::format("it holds: {}", held(c))),
        reimport)};
  }
  if (recorded->certificate.serial_reversed_hex() != s.serial_reversed) {
    return {failed(
        EventId::cert_not_found,
        fmt::format("{} records serial (reversed) {} but the certificate with "
                    "SHA-256 {} has serial (reversed) {}",
                    file, s.serial_reversed, s.sha256, recorded->certificate.serial_reversed_hex()),
        fmt::format("import it again: {} --subject {}", import_command(c), c.config->fqdn))};
  }
  std::vector<std::string> newer;
  for (const auto& e : c.personal.entries) {
    if (e.certificate.is_identity_of(c.config->fqdn) &&
        e.certificate.not_before() > recorded->certificate.not_before()) {
      newer.push_back(describe(e));
    }
  }
  const std::string names = fmt::format(
      "ChannelCertificateSerialNumber {} and "
      "ChannelCertificateHash {} name {}",
      s.serial_reversed, s.sha256.substr(0, 16) + "…",
      recorded->certificate_file.filename().string());
  if (!newer.empty()) {
    return {warned(
        EventId::cert_not_found,
        fmt::format("{}; but a newer certificate for {} waits un-imported: {}", names,
                    c.config->fqdn, fmt::join(newer, "; ")),
        fmt::format("import the renewal: {} --subject {}", import_command(c), c.config->fqdn))};
  }
  return {passed(names)};
}

}  // namespace outpost::doctor

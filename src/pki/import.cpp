#include "pki/import.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/files.hpp"
#include "core/names.hpp"
#include "pki/key.hpp"
#include "pki/pkcs12.hpp"

namespace outpost::pki {
namespace {

struct Candidate {
  Certificate certificate;
  KeyPtr key;
  std::vector<Certificate> intermediates;
  std::optional<PersonalEntry> already_stored;
};

Result<std::string> read_password(const std::optional<std::filesystem::path>& file) {
  if (!file) return std::string();
  auto text = read_file(*file);
  if (!text) return std::unexpected(text.error());
  std::string password = text->substr(0, text->find('\n'));
  if (!password.empty() && password.back() == '\r') password.pop_back();
  return password;
}

std::vector<Certificate> non_roots(std::vector<Certificate> certs) {
  std::erase_if(certs, [](const Certificate& c) { return c.is_self_issued(); });
  return certs;
}

Result<Candidate> from_pfx(const FromPfx& source) {
  auto data = read_file(source.file);
  if (!data) return fail(data.error().message, "", EventId::cert_file_unreadable);
  auto password = read_password(source.password_file);
  if (!password) return fail(password.error().message, "", EventId::cert_file_unreadable);
  auto pfx = read_pfx(*data, *password);
  if (!pfx) return std::unexpected(pfx.error());
  return Candidate{std::move(*pfx->certificate), std::move(pfx->key), non_roots(pfx->others),
                   std::nullopt};
}

Result<Candidate> from_files(const FromFiles& source) {
  auto data = read_file(source.certificate);
  if (!data) return fail(data.error().message, "", EventId::cert_file_unreadable);
  auto certs = parse_certificates(*data);
  if (!certs) return std::unexpected(certs.error());
  Candidate candidate{certs->front(), nullptr, {}, std::nullopt};
  candidate.intermediates = non_roots({certs->begin() + 1, certs->end()});
  if (source.key) {
    auto key_data = read_file(*source.key);
    if (!key_data) return fail(key_data.error().message, "", EventId::cert_file_unreadable);
    auto key = load_private_key(*key_data);
    if (!key) {
      return fail(fmt::format("{}: {}", source.key->string(), key.error().message), key.error().fix,
                  key.error().event);
    }
    candidate.key = std::move(*key);
  }
  return candidate;
}

Result<Candidate> from_store(const StatePaths& paths, const FromPersonalStore& source) {
  PersonalStore store = load_personal(paths);
  std::vector<PersonalEntry*> matches;
  for (auto& entry : store.entries) {
    if (entry.certificate.is_identity_of(source.subject)) matches.push_back(&entry);
  }
  if (matches.empty()) {
    return fail(fmt::format("the personal store {} holds no certificate for '{}' ({} "
                            "certificate(s) in it)",
                            paths.personal().string(), source.subject, store.entries.size()),
                "import from a file with --pfx or --cert/--key", EventId::cert_not_found);
  }
  // The most recently issued one: after a renewal that is the new certificate.
  PersonalEntry* newest = *std::ranges::max_element(
      matches, {}, [](const PersonalEntry* e) { return e->certificate.not_before(); });
  Candidate candidate{newest->certificate, nullptr, newest->intermediates, *newest};
  if (auto key_data = read_file(newest->key_file)) {
    auto key = load_private_key(*key_data);
    if (key) candidate.key = std::move(*key);
  }
  return candidate;
}

Result<Candidate> read_candidate(const ImportRequest& request) {
  return std::visit(
      [&](const auto& source) -> Result<Candidate> {
        using T = std::decay_t<decltype(source)>;
        if constexpr (std::is_same_v<T, FromPfx>) {
          return from_pfx(source);
        } else if constexpr (std::is_same_v<T, FromFiles>) {
          return from_files(source);
        } else {
          return from_store(request.paths, source);
        }
      },
      request.source);
}

}  // namespace

MachineSettings settings_for(const Certificate& certificate, const std::string& fqdn,
                             TimePoint now) {
  return MachineSettings{certificate.serial_reversed_hex(), certificate.sha256_hex(),
                         certificate.subject(), canonical_host_name(fqdn), format_utc(now)};
}

Result<ImportReport> import_channel_certificate(const ImportRequest& request) {
  if (!is_valid_host_name(request.fqdn)) {
    return fail(fmt::format("'{}' is not a valid FQDN", request.fqdn),
                "pass this computer's DNS name with --fqdn");
  }
  auto candidate = read_candidate(request);
  if (!candidate) return std::unexpected(candidate.error());
  TrustedStore trusted = load_trusted(request.paths);
  const CheckInput input{&candidate->certificate,           candidate->key.get(),
                         candidate->intermediates,          std::move(trusted.certificates),
                         canonical_host_name(request.fqdn), request.now,
                         std::move(trusted.problems)};
  ImportReport report{false, candidate->certificate, check_channel_certificate(input), {}, {}};
  if (first_failure(report.checks) != nullptr) {
    return report;
  }
  if (candidate->already_stored) {
    report.stored = candidate->already_stored;
  } else {
    auto stored = add_personal(request.paths, request.fqdn, candidate->certificate,
                               candidate->intermediates, candidate->key.get());
    if (!stored) return std::unexpected(stored.error());
    report.stored = std::move(*stored);
  }
  report.settings = settings_for(candidate->certificate, request.fqdn, request.now);
  if (auto ok = write_machine_settings(request.paths, *report.settings); !ok) {
    return std::unexpected(ok.error());
  }
  report.accepted = true;
  return report;
}

}  // namespace outpost::pki

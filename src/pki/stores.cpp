#include "pki/stores.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "core/files.hpp"
#include "core/names.hpp"
#include "core/time.hpp"
#include "pki/key.hpp"

namespace outpost::pki {
namespace {

std::vector<std::filesystem::path> files_with_extension(const std::filesystem::path& dir,
                                                        std::initializer_list<const char*> exts) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const auto ext = entry.path().extension().string();
    if (entry.is_regular_file() &&
        std::ranges::any_of(exts, [&](const char* e) { return ext == e; })) {
      out.push_back(entry.path());
    }
  }
  std::ranges::sort(out);
  return out;
}

std::string toml_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out + '"';
}

std::string file_stem_for(const Certificate& c) {
  std::string name = c.common_name().empty() ? "certificate" : canonical_host_name(c.common_name());
  std::ranges::replace_if(
      name, [](char ch) { return ch == '/' || ch == ' '; }, '_');
  return name;
}

}  // namespace

Result<void> prepare_stores(const StatePaths& paths) {
  for (const auto& dir : {paths.root, paths.root / "pki", paths.trusted(), paths.personal()}) {
    if (auto ok = ensure_private_dir(dir, ExistingDir::enforce_mode); !ok) return ok;
  }
  return {};
}

TrustedStore load_trusted(const StatePaths& paths) {
  TrustedStore store;
  for (const auto& file : files_with_extension(paths.trusted(), {".pem", ".crt", ".cer"})) {
    auto text = read_file(file);
    auto certs = text ? parse_certificates(*text) : std::unexpected(text.error());
    if (!certs) {
      store.problems.push_back(fmt::format("{}: {}", file.string(), certs.error().message));
      continue;
    }
    std::ranges::move(*certs, std::back_inserter(store.certificates));
  }
  return store;
}

Result<std::vector<Certificate>> add_trusted(const StatePaths& paths, std::string_view pem) {
  auto certs = parse_certificates(pem);
  if (!certs) return std::unexpected(certs.error());
  for (const auto& c : *certs) {
    if (!c.is_ca()) {
      return fail(fmt::format("'{}' is not a CA certificate; the trusted store holds roots and "
                              "intermediates only",
                              c.subject()),
                  "pass the certificate of the CA that issued the computers' certificates",
                  EventId::command_line_invalid);
    }
  }
  if (auto ok = prepare_stores(paths); !ok) return std::unexpected(ok.error());
  const TrustedStore existing = load_trusted(paths);
  std::vector<Certificate> added;
  for (const auto& c : *certs) {
    const auto same = [&](const Certificate& t) { return t.sha256_hex() == c.sha256_hex(); };
    if (std::ranges::any_of(existing.certificates, same) || std::ranges::any_of(added, same)) {
      continue;
    }
    const auto file =
        paths.trusted() / fmt::format("{}-{}.pem", file_stem_for(c), c.sha256_hex().substr(0, 12));
    if (auto ok = write_file_atomic(file, c.pem(), 0644); !ok) return std::unexpected(ok.error());
    added.push_back(c);
  }
  return added;
}

PersonalStore load_personal(const StatePaths& paths) {
  PersonalStore store;
  for (const auto& file : files_with_extension(paths.personal(), {".crt", ".pem"})) {
    auto text = read_file(file);
    auto certs = text ? parse_certificates(*text) : std::unexpected(text.error());
    if (!certs) {
      store.problems.push_back(fmt::format("{}: {}", file.string(), certs.error().message));
      continue;
    }
    PersonalEntry entry{
        file, std::filesystem::path(file).replace_extension(".key"), certs->front(), {}};
    entry.intermediates.assign(certs->begin() + 1, certs->end());
    store.entries.push_back(std::move(entry));
  }
  return store;
}

Result<PersonalEntry> add_personal(const StatePaths& paths, const std::string& fqdn,
                                   const Certificate& certificate,
                                   const std::vector<Certificate>& intermediates, EVP_PKEY* key) {
  if (auto ok = prepare_stores(paths); !ok) return std::unexpected(ok.error());
  const std::string stem =
      fmt::format("{}-{}", canonical_host_name(fqdn), certificate.sha256_hex().substr(0, 12));
  PersonalEntry entry{paths.personal() / (stem + ".crt"), paths.personal() / (stem + ".key"),
                      certificate, intermediates};
  std::string chain = certificate.pem();
  for (const auto& c : intermediates)
    chain += c.pem();
  auto key_pem = private_key_pem(key);
  if (!key_pem) return std::unexpected(key_pem.error());
  if (auto ok = write_file_atomic(entry.key_file, *key_pem, 0600); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = write_file_atomic(entry.certificate_file, chain, 0644); !ok) {
    return std::unexpected(ok.error());
  }
  return entry;
}

Result<std::optional<MachineSettings>> read_machine_settings(const StatePaths& paths) {
  const auto file = paths.machine_settings();
  if (!std::filesystem::exists(file)) {
    return std::optional<MachineSettings>{};
  }
  toml::table t;
  try {
    t = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    return fail(
        fmt::format("{} line {}: {}", file.string(), e.source().begin.line, e.description()),
        "import the channel certificate again with outpost cert import", EventId::cert_not_found);
  }
  MachineSettings s{t["ChannelCertificateSerialNumber"].value_or(std::string()),
                    t["ChannelCertificateHash"].value_or(std::string()),
                    t["ChannelCertificateSubject"].value_or(std::string()),
                    t["Fqdn"].value_or(std::string()), t["ImportedAt"].value_or(std::string())};
  if (s.serial_reversed.empty() || s.sha256.empty()) {
    return fail(fmt::format("{} lacks ChannelCertificateSerialNumber or ChannelCertificateHash",
                            file.string()),
                "import the channel certificate again with outpost cert import",
                EventId::cert_not_found);
  }
  return std::optional<MachineSettings>(std::move(s));
}

Result<void> write_machine_settings(const StatePaths& paths, const MachineSettings& s) {
  const std::string text = fmt::format(
      "# Written by `outpost cert import`: the channel certificate this node uses.\n"
      "# The serial number is stored byte-reversed, as MOMCertImport writes it to the registry.\n"
      "ChannelCertificateSerialNumber = {}\n"
      "ChannelCertificateHash = {}\n"
      "ChannelCertificateSubject = {}\n"
      "Fqdn = {}\n"
      "ImportedAt = {}\n",
      toml_string(s.serial_reversed), toml_string(s.sha256), toml_string(s.subject),
      toml_string(s.fqdn), toml_string(s.imported_at));
  return write_file_atomic(paths.machine_settings(), text, 0600);
}

Result<ChannelCertificate> load_channel_certificate(const StatePaths& paths) {
  auto settings = read_machine_settings(paths);
  if (!settings) return std::unexpected(settings.error());
  if (!*settings) {
    return fail(fmt::format("no channel certificate is recorded ({} does not exist)",
                            paths.machine_settings().string()),
                "import one with outpost cert import --state DIR --fqdn FQDN ...",
                EventId::cert_not_found);
  }
  const MachineSettings& s = **settings;
  PersonalStore store = load_personal(paths);
  const auto it = std::ranges::find_if(store.entries, [&](const PersonalEntry& e) {
    return e.certificate.sha256_hex() == s.sha256;
  });
  if (it == store.entries.end()) {
    std::vector<std::string> present;
    for (const auto& e : store.entries) {
      present.push_back(fmt::format("{} (serial {}, SHA-256 {}, valid from {})",
                                    e.certificate_file.filename().string(),
                                    e.certificate.serial_hex(), e.certificate.sha256_hex(),
                                    format_utc(e.certificate.not_before())));
    }
    return fail(
        fmt::format("machine-settings.toml names the certificate with serial (reversed) "
                    "{} and SHA-256 {}, but the personal store holds no such "
                    "certificate; it holds: {}",
                    s.serial_reversed, s.sha256,
                    present.empty() ? "nothing" : fmt::format("{}", fmt::join(present, "; "))),
        fmt::format("if the certificate was renewed, import the new one: outpost cert "
                    "import --state {} --fqdn {} --subject {}",
                    paths.root.string(), s.fqdn, s.fqdn),
        EventId::cert_not_found);
  }
  if (it->certificate.serial_reversed_hex() != s.serial_reversed) {
    return fail(fmt::format("machine-settings.toml records serial (reversed) {} but the "
                            "certificate with SHA-256 {} has serial (reversed) {}",
                            s.serial_reversed, s.sha256, it->certificate.serial_reversed_hex()),
                "import the certificate again with outpost cert import", EventId::cert_not_found);
  }
  auto key_text = read_file(it->key_file);
  if (!key_text) {
    return fail(fmt::format("the channel certificate {} has no private key ({} is missing)",
                            it->certificate_file.string(), it->key_file.string()),
                "import the certificate together with its private key",
                EventId::cert_no_private_key);
  }
  auto key = load_private_key(*key_text);
  if (!key) {
    return fail(fmt::format("{}: {}", it->key_file.string(), key.error().message), key.error().fix,
                EventId::cert_no_private_key);
  }
  return ChannelCertificate{s, *it, std::move(*key)};
}

}  // namespace outpost::pki

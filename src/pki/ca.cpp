#include "pki/ca.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/files.hpp"
#include "core/names.hpp"
#include "pki/builder.hpp"
#include "pki/csr.hpp"

namespace outpost::pki {
namespace {

constexpr const char* kCertFile = "ca.crt";
constexpr const char* kKeyFile = "ca.key";
constexpr const char* kIndexFile = "issued.jsonl";

Result<void> check_days(int days, int max) {
  if (days < 1 || days > max) {
    return fail(fmt::format("--days {} is out of range", days),
                fmt::format("give a validity from 1 to {} days", max),
                EventId::command_line_invalid);
  }
  return {};
}

Result<void> append_line(const std::filesystem::path& path, const std::string& line) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return fail(fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)));
  }
  const ssize_t n = ::write(fd, line.data(), line.size());
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (n != static_cast<ssize_t>(line.size()) || !synced) {
    return fail(fmt::format("cannot append to {}", path.string()), "check free space");
  }
  return {};
}

// The CA key must be owner-only, as ssh requires of a private key: a key others could read may
// have been copied, and one others could write may have been replaced.
Result<void> check_key_mode(const std::filesystem::path& key_file) {
  struct stat st {};
  if (::stat(key_file.c_str(), &st) != 0) {
    return fail(fmt::format("cannot read {}: {}", key_file.string(), std::strerror(errno)));
  }
  const auto mode = static_cast<unsigned>(st.st_mode & 0777);
  if ((mode & 0077) != 0) {
    return fail(fmt::format("the CA key {} has mode {:04o}: other users can {} it; this CA will "
                            "not use a key that may have been {}",
                            key_file.string(), mode, (mode & 0022) != 0 ? "read or change" : "read",
                            (mode & 0022) != 0 ? "copied or replaced" : "copied"),
                fmt::format("chmod 600 {} (and make the CA folder 0700), then check who had "
                            "access to it; if it may have been copied, retire this CA",
                            key_file.string()),
                EventId::ca_key_exposed);
  }
  return {};
}

}  // namespace

CertificateAuthority::CertificateAuthority(std::filesystem::path dir, Certificate cert, KeyPtr key)
    : dir_(std::move(dir)), cert_(std::move(cert)), key_(std::move(key)) {}

Result<CertificateAuthority> CertificateAuthority::init(const std::filesystem::path& dir,
                                                        const std::string& name, int days,
                                                        KeyType key_type) {
  if (name.empty()) {
    return fail("the CA needs a name", "pass --name, e.g. --name \"LAB Root CA\"",
                EventId::command_line_invalid);
  }
  if (auto ok = check_days(days, kMaxDays); !ok) return std::unexpected(ok.error());
  if (std::filesystem::exists(dir / kKeyFile)) {
    return fail(fmt::format("{} already holds a CA ({} exists)", dir.string(), kKeyFile),
                "use another --dir; a CA is never overwritten", EventId::command_line_invalid);
  }
  if (auto ok = ensure_private_dir(dir, ExistingDir::enforce_mode); !ok) {
    return std::unexpected(ok.error());
  }
  auto key = generate_key(key_type);
  if (!key) return std::unexpected(key.error());
  auto cert =
      sign_certificate(root_profile(name, days, Clock::now()), key->get(), nullptr, key->get());
  if (!cert) return std::unexpected(cert.error());
  auto key_pem = private_key_pem(key->get());
  if (!key_pem) return std::unexpected(key_pem.error());
  const std::string settings =
      fmt::format("# Outpost certification authority\nname = \"{}\"\nkey = \"{}\"\n", name,
                  key_type_name(key_type));
  for (auto written : {write_file_atomic(dir / kKeyFile, *key_pem, 0600),
                       write_file_atomic(dir / kCertFile, cert->pem(), 0644),
                       write_file_atomic(dir / "ca.toml", settings, 0644)}) {
    if (!written) return std::unexpected(written.error());
  }
  return CertificateAuthority(dir, std::move(*cert), std::move(*key));
}

Result<CertificateAuthority> CertificateAuthority::open(const std::filesystem::path& dir) {
  auto cert_text = read_file(dir / kCertFile);
  auto key_text = read_file(dir / kKeyFile);
  if (!cert_text || !key_text) {
    return fail(fmt::format("{} is not a CA folder (it needs {} and {})", dir.string(), kCertFile,
                            kKeyFile),
                "create one with outpost ca init --dir DIR --name NAME",
                EventId::command_line_invalid);
  }
  if (auto ok = check_key_mode(dir / kKeyFile); !ok) return std::unexpected(ok.error());
  auto certs = parse_certificates(*cert_text);
  if (!certs) return std::unexpected(certs.error());
  auto key = load_private_key(*key_text);
  if (!key) return std::unexpected(key.error());
  if (EVP_PKEY_eq(certs->front().public_key(), key->get()) != 1) {
    return fail(fmt::format("{} does not match {}", kKeyFile, kCertFile),
                "restore the CA folder from its backup");
  }
  return CertificateAuthority(dir, std::move(certs->front()), std::move(*key));
}

Result<Certificate> CertificateAuthority::sign_computer(const std::string& fqdn,
                                                        const std::vector<std::string>& dns_names,
                                                        EVP_PKEY* subject_key, int days) {
  if (auto ok = check_days(days, kMaxDays); !ok) return std::unexpected(ok.error());
  const TimePoint now = Clock::now();
  CertificateSpec spec = computer_profile(fqdn, days, now);
  spec.dns_names = dns_names;
  if (spec.not_after > cert_.not_after()) {
    return fail(fmt::format("a certificate for {} days would outlive the CA, which expires on {}",
                            days, format_utc(cert_.not_after())),
                fmt::format("issue for at most {} days, or renew the CA",
                            days_until(cert_.not_after(), now)));
  }
  auto cert = sign_certificate(spec, subject_key, &cert_, key_.get());
  if (!cert) return std::unexpected(cert.error());
  if (auto ok = record(*cert); !ok) return std::unexpected(ok.error());
  return cert;
}

Result<IssuedFiles> CertificateAuthority::issue(const std::string& fqdn,
                                                const std::filesystem::path& out_dir, int days,
                                                std::optional<KeyType> key_type) {
  if (!is_valid_host_name(fqdn)) {
    return fail(fmt::format("'{}' is not a valid FQDN", fqdn),
                "pass the computer's DNS name, e.g. gw1.lab.test", EventId::command_line_invalid);
  }
  const std::string name = canonical_host_name(fqdn);
  for (const auto& existing : {out_dir / (name + ".key"), out_dir / (name + ".crt")}) {
    if (std::filesystem::exists(existing)) {
      return fail(existing.string() + " already exists",
                  "use another --out folder, or move the old files away; issued keys and "
                  "certificates are never overwritten",
                  EventId::command_line_invalid);
    }
  }
  auto key = generate_key(key_type.value_or(key_type_like(cert_.public_key())));
  if (!key) return std::unexpected(key.error());
  auto key_pem = private_key_pem(key->get());
  if (!key_pem) return std::unexpected(key_pem.error());
  if (auto ok = ensure_private_dir(out_dir); !ok) return std::unexpected(ok.error());
  auto cert = sign_computer(name, {name}, key->get(), days);
  if (!cert) return std::unexpected(cert.error());
  IssuedFiles files{*cert, out_dir / (name + ".crt"), out_dir / (name + ".key")};
  for (auto written : {write_file_atomic(files.key_file, *key_pem, 0600),
                       write_file_atomic(files.certificate_file, cert->pem(), 0644)}) {
    if (!written) return std::unexpected(written.error());
  }
  return files;
}

Result<IssuedFiles> CertificateAuthority::sign(std::string_view csr,
                                               const std::filesystem::path& out_file, int days,
                                               ExtraNames extra) {
  if (std::filesystem::exists(out_file)) {
    return fail(out_file.string() + " already exists",
                "choose another --out file; certificates are never overwritten",
                EventId::command_line_invalid);
  }
  auto request = validate_csr(csr);
  if (!request) return std::unexpected(request.error());
  if (!request->extra_names.empty() && extra == ExtraNames::refuse) {
    const std::string extras = fmt::format("{}", fmt::join(request->extra_names, ", "));
    return fail(
        fmt::format("the request for {} also names {} (DNS names besides its subject CN). A "
                    "certificate identifies only the computer its CN names; the other names "
                    "would be signed for a key that belongs to {}",
                    request->fqdn, extras, request->fqdn),
        fmt::format("ask {} for a request that names only itself (outpost cert request --fqdn "
                    "{} --out NEW_DIR); if {} {} of that same computer and you mean to "
                    "sign {}, repeat with --allow-extra-names",
                    request->fqdn, request->fqdn, extras,
                    request->extra_names.size() == 1 ? "is an alias" : "are aliases",
                    request->extra_names.size() == 1 ? "it" : "them"),
        EventId::csr_refused);
  }
  auto cert = sign_computer(request->fqdn, request->dns_names, request->public_key.get(), days);
  if (!cert) return std::unexpected(cert.error());
  if (auto ok = write_file_atomic(out_file, cert->pem(), 0644); !ok) {
    return std::unexpected(ok.error());
  }
  return IssuedFiles{*cert, out_file, {}};
}

Result<void> CertificateAuthority::record(const Certificate& cert) {
  const nlohmann::json line{
      {"serial", cert.serial_hex()},           {"subject", cert.subject()},
      {"dns_names", cert.dns_names()},         {"not_after", format_utc(cert.not_after())},
      {"issued_at", format_utc(Clock::now())}, {"sha256", cert.sha256_hex()}};
  return append_line(dir_ / kIndexFile, line.dump() + '\n');
}

Result<std::vector<IssuedRecord>> CertificateAuthority::issued() const {
  std::vector<IssuedRecord> out;
  std::ifstream in(dir_ / kIndexFile);
  std::string text;
  for (int line_number = 1; std::getline(in, text); ++line_number) {
    auto j = nlohmann::json::parse(text, nullptr, false);
    auto not_after =
        j.is_object() ? parse_time(j.value("not_after", ""), Clock::now()) : std::nullopt;
    auto issued_at =
        j.is_object() ? parse_time(j.value("issued_at", ""), Clock::now()) : std::nullopt;
    if (!not_after || !issued_at) {
      return fail(fmt::format("{} line {} is damaged", (dir_ / kIndexFile).string(), line_number),
                  "restore the CA folder from its backup");
    }
    out.push_back(IssuedRecord{j.value("serial", ""), j.value("subject", ""),
                               j.value("dns_names", std::vector<std::string>{}), *not_after,
                               *issued_at, j.value("sha256", "")});
  }
  return out;
}

}  // namespace outpost::pki

// The machine's certificate stores, all inside its state directory:
//
//   pki/trusted/   trusted roots and intermediates, one PEM file each
//   pki/personal/  certificates (NAME.crt: the certificate, then its intermediates) each with
//                  its private key (NAME.key, mode 0600)
//   machine-settings.toml   which personal certificate is the channel certificate
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "pki/certificate.hpp"
#include "pki/ossl.hpp"

namespace outpost::pki {

struct StatePaths {
  std::filesystem::path root;
  [[nodiscard]] std::filesystem::path trusted() const { return root / "pki" / "trusted"; }
  [[nodiscard]] std::filesystem::path personal() const { return root / "pki" / "personal"; }
  [[nodiscard]] std::filesystem::path machine_settings() const {
    return root / "machine-settings.toml";
  }
};

// Creates the state directory (0700) and the store folders.
[[nodiscard]] Result<void> prepare_stores(const StatePaths& paths);

// Files that could not be read are listed in `problems`, not silently skipped.
struct TrustedStore {
  std::vector<Certificate> certificates;
  std::vector<std::string> problems;
};
[[nodiscard]] TrustedStore load_trusted(const StatePaths& paths);

// Adds every CA certificate in `pem` to the trusted store; refuses end-entity certificates.
// Returns the certificates that were added (already present ones are not repeated).
[[nodiscard]] Result<std::vector<Certificate>> add_trusted(const StatePaths& paths,
                                                           std::string_view pem);

struct PersonalEntry {
  std::filesystem::path certificate_file;
  std::filesystem::path key_file;  // NAME.key beside the certificate; may not exist
  Certificate certificate;
  std::vector<Certificate> intermediates;
};
struct PersonalStore {
  std::vector<PersonalEntry> entries;
  std::vector<std::string> problems;
};
[[nodiscard]] PersonalStore load_personal(const StatePaths& paths);

// Writes `certificate` (+ intermediates) and `key` into the personal store as
// <fqdn>-<thumbprint prefix>.crt/.key; an earlier certificate's files are left in place.
[[nodiscard]] Result<PersonalEntry> add_personal(const StatePaths& paths, const std::string& fqdn,
                                                 const Certificate& certificate,
                                                 const std::vector<Certificate>& intermediates,
                                                 EVP_PKEY* key);

// MOMCertImport's registry values, in machine-settings.toml.
struct MachineSettings {
  std::string serial_reversed;  // ChannelCertificateSerialNumber
  std::string sha256;           // ChannelCertificateHash
  std::string subject;          // ChannelCertificateSubject (for people)
  std::string fqdn;             // Fqdn the certificate was imported for
  std::string imported_at;      // ImportedAt
};
[[nodiscard]] Result<std::optional<MachineSettings>> read_machine_settings(const StatePaths& paths);
[[nodiscard]] Result<void> write_machine_settings(const StatePaths& paths,
                                                  const MachineSettings& settings);

// The certificate machine-settings.toml names, with its key, ready for use. Fails with 20066
// when no certificate is recorded or the recorded one is not in the personal store (naming what
// is there instead, e.g. a renewal that was not imported), and 20068 when its key is missing.
struct ChannelCertificate {
  MachineSettings settings;
  PersonalEntry entry;
  KeyPtr key;
};
[[nodiscard]] Result<ChannelCertificate> load_channel_certificate(const StatePaths& paths);

}  // namespace outpost::pki

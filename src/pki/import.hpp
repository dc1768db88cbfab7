// `outpost cert import`: Outpost's MOMCertImport. Takes a certificate and its key from a PFX,
// from PEM/DER files, or from the personal store; runs every check; and only when all pass
// stores it and records it in machine-settings.toml. A refusal changes nothing.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/error.hpp"
#include "pki/checks.hpp"
#include "pki/stores.hpp"

namespace outpost::pki {

struct FromPfx {
  std::filesystem::path file;
  std::optional<std::filesystem::path> password_file;
};
struct FromFiles {
  std::filesystem::path certificate;  // may hold intermediates after the certificate
  std::optional<std::filesystem::path> key;
};
struct FromPersonalStore {
  std::string subject;  // the subject CN of the certificate to import
};
using ImportSource = std::variant<FromPfx, FromFiles, FromPersonalStore>;

struct ImportRequest {
  StatePaths paths;
  std::string fqdn;
  ImportSource source;
  TimePoint now;
};

struct ImportReport {
  bool accepted = false;
  Certificate certificate;
  std::vector<CheckResult> checks;
  std::optional<PersonalEntry> stored;      // where it is, when accepted
  std::optional<MachineSettings> settings;  // what was recorded, when accepted
};

// Errors are for input that could not be read at all (missing file, wrong PFX password, nothing
// matching --subject); a certificate that was read but fails a check gives accepted == false.
[[nodiscard]] Result<ImportReport> import_channel_certificate(const ImportRequest& request);

// The settings MOMCertImport would record for `certificate`.
[[nodiscard]] MachineSettings settings_for(const Certificate& certificate, const std::string& fqdn,
                                           TimePoint now);

}  // namespace outpost::pki

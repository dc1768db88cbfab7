// `outpost cert verify` (and later `outpost doctor`): every import check re-run against what
// machine-settings.toml records and what the stores hold now, plus the checks only a recorded
// certificate can fail: that it is still in the personal store, and that no newer certificate
// for the same name waits there un-imported (a renewal).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pki/checks.hpp"
#include "pki/stores.hpp"

namespace outpost::pki {

// `fqdn` overrides the name recorded at import (a node's configuration is the authority).
[[nodiscard]] std::vector<CheckResult> verify_channel_certificate(
    const StatePaths& paths, const std::optional<std::string>& fqdn, TimePoint now);

}  // namespace outpost::pki

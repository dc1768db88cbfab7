// How the admin commands reach a management server: through the running server's admin socket
// in its state directory, or, when no server runs there, by opening its database directly (the
// same command code, so the answer is the same either way).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace outpost::cli {

// The "result" of a successful answer; a failed one comes back as an Error.
[[nodiscard]] Result<nlohmann::json> ask_management_server(const std::string& config_file,
                                                           const nlohmann::json& request);

// The running daemon of any role, through its admin socket (outpost status); no fallback.
[[nodiscard]] Result<nlohmann::json> ask_daemon(const std::string& config_file,
                                                const nlohmann::json& request);

}  // namespace outpost::cli

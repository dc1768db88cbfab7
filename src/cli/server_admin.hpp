// How the admin commands reach a management server: through the running server's admin socket
// in its state directory, or, when no server runs there, by opening its database directly (the
// same command code, so the answer is the same either way).
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "storage/storage.hpp"

namespace outpost::cli {

// The "result" of a successful answer; a failed one comes back as an Error.
[[nodiscard]] Result<nlohmann::json> ask_management_server(const std::string& config_file,
                                                           const nlohmann::json& request);

// The operational database of the management server `config_file` describes, opened directly
// (commands that only read or write the database: users, audit). Fails (30019) on a file without
// [database] url.
[[nodiscard]] Result<std::unique_ptr<storage::Storage>> open_server_database(
    const std::string& config_file);

// The running daemon of any role, through its admin socket (outpost status); no fallback.
[[nodiscard]] Result<nlohmann::json> ask_daemon(const std::string& config_file,
                                                const nlohmann::json& request);

}  // namespace outpost::cli

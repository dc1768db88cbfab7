// File helpers that never leave a half-written file and always set permissions explicitly.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace outpost {

[[nodiscard]] Result<std::string> read_file(const std::filesystem::path& path);

// Writes to a temporary file in the same folder, fsyncs it, sets `mode`, and renames it over
// `path`, so readers see the old content or the new, never a mix.
[[nodiscard]] Result<void> write_file_atomic(const std::filesystem::path& path,
                                             std::string_view content, unsigned mode = 0600);

enum class ExistingDir { keep_mode, enforce_mode };

// Creates `path` (and missing parents) with `mode` (owner-only by default). A folder that
// already exists keeps its mode unless `existing` is enforce_mode (for folders Outpost owns,
// such as a state directory; never for a folder the user named as an output).
[[nodiscard]] Result<void> ensure_private_dir(const std::filesystem::path& path,
                                              ExistingDir existing = ExistingDir::keep_mode,
                                              unsigned mode = 0700);

}  // namespace outpost

// Size-bounded log files: the event log (events.jsonl) and the daemon's own log on stderr when
// that is a regular file (the way tests, the demo and simple init scripts start daemons). A file
// that reached its size is renamed to FILE.1 (FILE.1 to FILE.2, ...) and a new one started; files
// beyond `keep_files` are deleted. Under systemd stderr is the journal, which bounds itself.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace outpost {

struct LogRotation {
  int max_file_mb = 16;  // [log] max_file_mb
  int keep_files = 5;    // [log] keep_files: FILE.1 ... FILE.<keep_files>
  [[nodiscard]] std::uint64_t max_bytes() const {
    return static_cast<std::uint64_t>(max_file_mb) * 1024U * 1024U;
  }
};

// FILE -> FILE.1 -> ... -> FILE.<keep_files>; the oldest is deleted.
[[nodiscard]] Result<void> rotate_files(const std::filesystem::path& file, int keep_files);

// The rotated files of `file` that exist, oldest first (FILE.<n> ... FILE.1), without FILE.
[[nodiscard]] std::vector<std::filesystem::path> rotated_files(const std::filesystem::path& file);

// When stderr is a regular file larger than the limit: rotates it and points stderr at a new
// file of the same name and mode (dup2). The path rotated, or empty when nothing was done.
[[nodiscard]] std::string rotate_stderr_if_over(const LogRotation& rotation);

}  // namespace outpost

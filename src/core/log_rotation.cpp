#include "core/log_rotation.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <system_error>

#include <fmt/format.h>

namespace outpost {
namespace fs = std::filesystem;

namespace {

fs::path numbered(const fs::path& file, int n) {
  return fs::path(file.string() + "." + std::to_string(n));
}

}  // namespace

Result<void> rotate_files(const fs::path& file, int keep_files) {
  std::error_code ec;
  fs::remove(numbered(file, keep_files), ec);
  for (int n = keep_files - 1; n >= 1; --n) {
    if (fs::exists(numbered(file, n), ec)) fs::rename(numbered(file, n), numbered(file, n + 1), ec);
  }
  fs::rename(file, numbered(file, 1), ec);
  if (ec) {
    return fail(fmt::format("cannot rotate {}: {}", file.string(), ec.message()),
                "check the permissions of the state directory");
  }
  return {};
}

std::vector<fs::path> rotated_files(const fs::path& file) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (int n = 1; n <= 1000 && fs::exists(numbered(file, n), ec); ++n) {
    out.insert(out.begin(), numbered(file, n));
  }
  return out;
}

std::string rotate_stderr_if_over(const LogRotation& rotation) {
  struct stat st {};
  if (::fstat(STDERR_FILENO, &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<std::uint64_t>(st.st_size) < rotation.max_bytes()) {
    return {};
  }
  std::array<char, 4096> target{};
  const ssize_t n = ::readlink("/proc/self/fd/2", target.data(), target.size() - 1);
  if (n <= 0) return {};
  const fs::path path(std::string(target.data(), static_cast<std::size_t>(n)));
  if (!path.is_absolute() || !rotate_files(path, rotation.keep_files)) return {};
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, st.st_mode & 0777);
  if (fd < 0) return {};
  ::dup2(fd, STDERR_FILENO);  // dup2 clears close-on-exec on descriptor 2
  ::close(fd);
  return path.string();
}

}  // namespace outpost

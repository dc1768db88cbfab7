#include "core/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace outpost {
namespace {

std::string os_error(int err) {
  return std::strerror(err);
}

Result<void> write_all(int fd, std::string_view content, const std::filesystem::path& path) {
  while (!content.empty()) {
    const ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return fail(fmt::format("cannot write {}: {}", path.string(), os_error(errno)),
                  "check free space and permissions");
    }
    content.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

}  // namespace

Result<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(fmt::format("cannot read {}: {}", path.string(), os_error(errno)));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

Result<void> write_file_atomic(const std::filesystem::path& path, std::string_view content,
                               unsigned mode) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  // A new file, never a leftover one: a stale .tmp with a wider mode (or a link planted in its
  // place) must not receive a key before the mode is set.
  ::unlink(tmp.c_str());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) {
    return fail(fmt::format("cannot create {}: {}", tmp.string(), os_error(errno)),
                "check that the folder exists and is writable");
  }
  auto written = write_all(fd, content, tmp);
  if (written && ::fchmod(fd, static_cast<mode_t>(mode)) != 0) {
    written = fail(fmt::format("cannot set mode of {}: {}", tmp.string(), os_error(errno)));
  }
  if (written && ::fsync(fd) != 0) {
    written =
        fail(fmt::format("cannot flush {}: {}", tmp.string(), os_error(errno)), "check free space");
  }
  ::close(fd);
  if (!written) {
    ::unlink(tmp.c_str());
    return written;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return fail(fmt::format("cannot replace {}: {}", path.string(), os_error(err)));
  }
  return {};
}

Result<void> ensure_private_dir(const std::filesystem::path& path, ExistingDir existing,
                                unsigned mode) {
  std::error_code ec;
  const bool created = std::filesystem::create_directories(path, ec);
  if (ec) {
    return fail(fmt::format("cannot create folder {}: {}", path.string(), ec.message()),
                "check the path and the permissions of its parent");
  }
  if (!created && existing == ExistingDir::keep_mode) {
    return {};
  }
  if (::chmod(path.c_str(), static_cast<mode_t>(mode)) != 0) {
    return fail(fmt::format("cannot set mode of {}: {}", path.string(), os_error(errno)));
  }
  return {};
}

}  // namespace outpost

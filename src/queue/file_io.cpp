#include "queue/file_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace outpost::queue {

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    reset();
    fd_ = other.release();
  }
  return *this;
}

Fd::~Fd() {
  reset();
}

int Fd::release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

void Fd::reset() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

Result<Fd> open_file(const std::filesystem::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int err = errno;
    return fail(fmt::format("cannot open {}: {}", path.string(), std::strerror(err)),
                "check the folder's permissions and free space");
  }
  return Fd(fd);
}

bool write_at(int fd, std::uint64_t offset, std::string_view bytes, int& err) {
  while (!bytes.empty()) {
    const ssize_t n = ::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      err = errno;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
    offset += static_cast<std::uint64_t>(n);
  }
  return true;
}

Result<std::string> read_at(int fd, std::uint64_t offset, std::size_t size,
                            const std::filesystem::path& path) {
  std::string out(size, '\0');
  std::size_t got = 0;
  while (got < size) {
    const ssize_t n = ::pread(fd, out.data() + got, size - got, static_cast<off_t>(offset + got));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      const int err = errno;
      return fail(fmt::format("cannot read {}: {}", path.string(), std::strerror(err)));
    }
    if (n == 0) {
      break;
    }
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  return out;
}

Result<std::string> read_whole(const std::filesystem::path& path) {
  auto fd = open_file(path, O_RDONLY);
  if (!fd) {
    return std::unexpected(fd.error());
  }
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    return fail(fmt::format("cannot read the size of {}: {}", path.string(), ec.message()));
  }
  return read_at(fd->get(), 0, static_cast<std::size_t>(size), path);
}

Result<void> fsync_fd(int fd, const std::filesystem::path& path) {
  if (::fsync(fd) != 0) {
    const int err = errno;
    return fail(fmt::format("cannot flush {} to disk: {}", path.string(), std::strerror(err)),
                "check the disk (dmesg) and its free space");
  }
  return {};
}

Result<void> fsync_dir(const std::filesystem::path& dir) {
  auto fd = open_file(dir, O_RDONLY | O_DIRECTORY);
  if (!fd) {
    return std::unexpected(fd.error());
  }
  return fsync_fd(fd->get(), dir);
}

bool is_no_space(int err) {
  return err == ENOSPC || err == EDQUOT || err == EFBIG;
}

}  // namespace outpost::queue

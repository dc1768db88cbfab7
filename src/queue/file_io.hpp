// Small POSIX file helpers for the durable queue: an owning descriptor, whole writes and reads
// at an offset, fsync of a folder. Failures are values with the OS error in the message.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace outpost::queue {

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();

  [[nodiscard]] int get() const { return fd_; }
  [[nodiscard]] bool valid() const { return fd_ >= 0; }
  int release();
  void reset();

 private:
  int fd_ = -1;
};

// Opens `path` with `flags` (O_CLOEXEC is added) and mode 0600 when created.
[[nodiscard]] Result<Fd> open_file(const std::filesystem::path& path, int flags);
// Writes all of `bytes` at `offset` (pwrite, EINTR and short writes handled). On failure
// `err` holds errno.
[[nodiscard]] bool write_at(int fd, std::uint64_t offset, std::string_view bytes, int& err);
// Reads exactly `size` bytes at `offset`; fewer only at the end of the file.
[[nodiscard]] Result<std::string> read_at(int fd, std::uint64_t offset, std::size_t size,
                                          const std::filesystem::path& path);
[[nodiscard]] Result<std::string> read_whole(const std::filesystem::path& path);
[[nodiscard]] Result<void> fsync_fd(int fd, const std::filesystem::path& path);
[[nodiscard]] Result<void> fsync_dir(const std::filesystem::path& dir);
// True for the errors that mean "no room": ENOSPC, EDQUOT, EFBIG (a file size limit).
[[nodiscard]] bool is_no_space(int err);

}  // namespace outpost::queue

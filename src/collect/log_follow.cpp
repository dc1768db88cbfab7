#include "collect/log_follow.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace outpost::collect {
namespace {

constexpr std::size_t kChunk = 64 * 1024;

}  // namespace

LogFollower::LogFollower(std::filesystem::path path, std::size_t max_line_bytes,
                         std::size_t max_lines_per_poll)
    : path_(std::move(path)),
      max_line_bytes_(max_line_bytes == 0 ? 1 : max_line_bytes),
      max_lines_(max_lines_per_poll == 0 ? 1 : max_lines_per_poll) {}

LogFollower::~LogFollower() {
  close_file();
}

void LogFollower::close_file() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  offset_ = 0;
  partial_.clear();
  discarding_ = false;
}

bool LogFollower::open_current(Poll& out, bool from_end) {
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    if (errno != ENOENT) out.problem = fmt::format("{}: {}", path_.string(), std::strerror(errno));
    return false;  // a file that does not exist yet is not a problem: it may come
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    out.problem = fmt::format("{}: not a regular file", path_.string());
    ::close(fd);
    return false;
  }
  fd_ = fd;
  device_ = st.st_dev;
  inode_ = st.st_ino;
  offset_ = from_end ? static_cast<std::uint64_t>(st.st_size) : 0;
  partial_.clear();
  discarding_ = false;
  return true;
}

LogFollower::Poll LogFollower::poll() {
  Poll out;
  if (fd_ < 0) {
    // The file that is there when following starts is read from its end (its past is not news);
    // a file that appears later (seen missing before, or after a rotation) from its start.
    const bool first = !opened_once_;
    const bool from_end = first && !seen_missing_ && !resume_;
    if (open_current(out, from_end)) {
      opened_once_ = true;
      if (first && resume_) {
        struct stat st {};
        if (::fstat(fd_, &st) == 0 && resume_->device == st.st_dev && resume_->inode == st.st_ino &&
            resume_->offset <= static_cast<std::uint64_t>(st.st_size)) {
          offset_ = resume_->offset;
        }
        resume_.reset();
      }
      if (!from_end) read_lines(out);
    } else if (!out.problem) {
      seen_missing_ = true;
    }
    return out;
  }
  struct stat at_path {};
  const bool path_exists = ::stat(path_.c_str(), &at_path) == 0;
  if (path_exists && (at_path.st_ino != inode_ || at_path.st_dev != device_)) {
    // Rotated: finish the old file first; switch once it is read to its end.
    read_lines(out);
    if (out.problem || out.lines.size() >= max_lines_) return out;
    finish_file(out);
    out.rotated = true;
    if (open_current(out, false)) read_lines(out);
    return out;
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    out.problem = fmt::format("{}: {}", path_.string(), std::strerror(errno));
    return out;
  }
  if (static_cast<std::uint64_t>(st.st_size) < offset_) {  // truncated in place (copytruncate)
    offset_ = 0;
    partial_.clear();
    discarding_ = false;
    out.rotated = true;
  }
  read_lines(out);
  if (!path_exists && st.st_nlink == 0 && !out.problem && out.lines.size() < max_lines_) {
    finish_file(out);  // deleted and read to its end: let its disk space go
  }
  return out;
}

std::optional<LogFollower::Position> LogFollower::position() const {
  if (fd_ < 0) return std::nullopt;
  const std::uint64_t held = discarding_ ? 0 : partial_.size();
  return Position{static_cast<std::uint64_t>(device_), static_cast<std::uint64_t>(inode_),
                  offset_ >= held ? offset_ - held : 0};
}

void LogFollower::finish_file(Poll& out) {
  // The old file will not grow any more: its unterminated last line is a line too.
  if (!partial_.empty() && !discarding_) {
    if (partial_.back() == '\r') partial_.pop_back();
    out.lines.push_back(std::move(partial_));
  }
  close_file();
}

void LogFollower::take_line(Poll& out, std::string_view piece, bool complete) {
  if (discarding_) {
    if (complete) discarding_ = false;
    return;
  }
  partial_.append(piece);
  if (partial_.size() > max_line_bytes_) {
    partial_.resize(max_line_bytes_);
    partial_.append(kCutMarker);
    out.lines.push_back(std::move(partial_));
    partial_.clear();
    discarding_ = !complete;
    return;
  }
  if (complete) {
    if (!partial_.empty() && partial_.back() == '\r') partial_.pop_back();
    out.lines.push_back(std::move(partial_));
    partial_.clear();
  }
}

void LogFollower::read_lines(Poll& out) {
  std::array<char, kChunk> buffer{};
  while (out.lines.size() < max_lines_) {
    const ssize_t n = ::pread(fd_, buffer.data(), buffer.size(), static_cast<off_t>(offset_));
    if (n < 0) {
      if (errno == EINTR) continue;
      out.problem = fmt::format("{}: {}", path_.string(), std::strerror(errno));
      return;
    }
    if (n == 0) return;  // at the end for now
    const std::string_view data(buffer.data(), static_cast<std::size_t>(n));
    std::size_t pos = 0;
    while (pos < data.size() && out.lines.size() < max_lines_) {
      const auto newline = data.find('\n', pos);
      if (newline == std::string_view::npos) {
        take_line(out, data.substr(pos), false);
        pos = data.size();
      } else {
        take_line(out, data.substr(pos, newline - pos), true);
        pos = newline + 1;
      }
    }
    offset_ += pos;  // what was not consumed is read again by the next poll
  }
}

}  // namespace outpost::collect

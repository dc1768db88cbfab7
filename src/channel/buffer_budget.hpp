// What one daemon's sessions hold in their send queues together, against [limits]
// daemon_max_buffered_mb. Shared by the daemon's sessions and used on its executor only (not
// thread-safe). Over the budget, a session that holds more than its fair share (the budget
// divided by the open sessions, at least kMinShare) is closed when more is queued for it (30080):
// the peers that do not read pay, the ones that keep up are not touched.
#pragma once

#include <algorithm>
#include <cstddef>

namespace outpost::channel {

class BufferBudget {
 public:
  static constexpr std::size_t kMinShare = std::size_t{1} << 20;

  explicit BufferBudget(std::size_t limit_bytes) : limit_(limit_bytes) {}

  void opened() { ++sessions_; }
  void closed() { sessions_ = sessions_ > 0 ? sessions_ - 1 : 0; }
  void add(std::size_t bytes) {
    held_ += bytes;
    peak_ = std::max(peak_, held_);
  }
  void release(std::size_t bytes) { held_ -= std::min(bytes, held_); }

  // Whether `bytes` more may be queued on a session that holds `session_holds` already.
  [[nodiscard]] bool allows(std::size_t session_holds, std::size_t bytes) const {
    return held_ + bytes <= limit_ || session_holds + bytes <= fair_share();
  }
  [[nodiscard]] std::size_t fair_share() const {
    return std::max(kMinShare, limit_ / std::max<std::size_t>(sessions_, 1));
  }
  [[nodiscard]] std::size_t held() const { return held_; }
  [[nodiscard]] std::size_t peak() const { return peak_; }
  [[nodiscard]] std::size_t limit() const { return limit_; }
  [[nodiscard]] std::size_t sessions() const { return sessions_; }

 private:
  std::size_t limit_;
  std::size_t held_ = 0;
  std::size_t peak_ = 0;
  std::size_t sessions_ = 0;
};

}  // namespace outpost::channel

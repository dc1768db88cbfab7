// Login rate limiting: at most `max_failures` failed logins per key (a client address, a user
// name) within `window`; after that the key is refused until its oldest failure leaves the
// window. Holds at most `max_keys` keys (the least recently failed go first), so a flood of
// names costs a bounded amount of memory. Thread-safe (the web listener runs on several threads).
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/time.hpp"

namespace outpost::web {

class LoginLimiter {
 public:
  explicit LoginLimiter(int max_failures = 5, std::chrono::seconds window = std::chrono::minutes(5),
                        std::size_t max_keys = 10000);

  // 0 when a login may be tried now; else how long to wait.
  [[nodiscard]] std::chrono::seconds retry_after(const std::string& key, TimePoint now);
  void failed(const std::string& key, TimePoint now);
  void succeeded(const std::string& key);
  [[nodiscard]] std::size_t keys() const;

 private:
  struct Entry {
    std::deque<TimePoint> failures;  // at most max_failures_, oldest first
    std::list<std::string>::iterator age;
  };
  void forget_old(Entry& entry, TimePoint now) const;

  int max_failures_;
  std::chrono::seconds window_;
  std::size_t max_keys_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> by_age_;  // least recently failed first
};

}  // namespace outpost::web

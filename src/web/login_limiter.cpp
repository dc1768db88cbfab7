#include "web/login_limiter.hpp"

#include <algorithm>

namespace outpost::web {

LoginLimiter::LoginLimiter(int max_failures, std::chrono::seconds window, std::size_t max_keys)
    : max_failures_(std::max(1, max_failures)),
      window_(window),
      max_keys_(std::max<std::size_t>(1, max_keys)) {}

void LoginLimiter::forget_old(Entry& entry, TimePoint now) const {
  while (!entry.failures.empty() && entry.failures.front() + window_ <= now)
    entry.failures.pop_front();
}

std::chrono::seconds LoginLimiter::retry_after(const std::string& key, TimePoint now) {
  const std::lock_guard lock(mutex_);
  const auto it = entries_.find(key);
  if (it == entries_.end()) return std::chrono::seconds(0);
  forget_old(it->second, now);
  if (static_cast<int>(it->second.failures.size()) < max_failures_) return std::chrono::seconds(0);
  const auto wait = it->second.failures.front() + window_ - now;
  return std::max(std::chrono::seconds(1), std::chrono::ceil<std::chrono::seconds>(wait));
}

void LoginLimiter::failed(const std::string& key, TimePoint now) {
  const std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= max_keys_) {
      entries_.erase(by_age_.front());
      by_age_.pop_front();
    }
    by_age_.push_back(key);
    it = entries_.emplace(key, Entry{{}, std::prev(by_age_.end())}).first;
  } else {
    by_age_.splice(by_age_.end(), by_age_, it->second.age);
  }
  forget_old(it->second, now);
  it->second.failures.push_back(now);
  while (static_cast<int>(it->second.failures.size()) > max_failures_)
    it->second.failures.pop_front();
}

void LoginLimiter::succeeded(const std::string& key) {
  const std::lock_guard lock(mutex_);
  const auto it = entries_.find(key);
  if (it == entries_.end()) return;
  by_age_.erase(it->second.age);
  entries_.erase(it);
}

std::size_t LoginLimiter::keys() const {
  const std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace outpost::web

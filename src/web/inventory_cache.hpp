// The inventory the monitoring reads answer from (overview, computers, one computer, servers):
// one snapshot for every request and every user, sorted worst first once, with what the filters
// compare kept beside each row, so a request filters and answers one page instead of building,
// copying and sorting 10,000 JSON objects (docs/performance.md). A snapshot serves for `max_age`;
// while someone has read in the last minute, refresh() (the web listener's timer) builds the next
// one before it expires, so requests do not wait for builds; a request builds it itself only when
// none is fresh (the first read after a quiet minute, or after a change). A change made through
// the API drops it, so the next read sees the change. Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "storage/storage.hpp"

namespace outpost::web {

class InventoryCache {
 public:
  struct Key {
    int rank = 0;  // health, worst first
    std::string fqdn;
    std::string role;
    std::string health;
    std::string parent;
  };
  struct Snapshot {
    std::chrono::steady_clock::time_point built;
    nlohmann::json rows;    // an array, worst first, then by name
    std::vector<Key> keys;  // rows[i]'s
    std::unordered_map<std::string, std::size_t> by_fqdn;
    nlohmann::json counts;  // {"healthy": N, ...}
  };
  // Builds the inventory as the server's "inventory" command answers it: an array of rows.
  using Build = std::function<Result<nlohmann::json>(storage::Storage&)>;

  InventoryCache(Build build, std::chrono::milliseconds max_age)
      : build_(std::move(build)), max_age_(max_age) {}

  // A snapshot at most max_age old, or one being replaced right now by another request's build
  // (then at most max_age plus one build old). Builds on `db` when none is fresh.
  [[nodiscard]] Result<std::shared_ptr<const Snapshot>> get(storage::Storage& db);
  // The next get() builds anew (after a change made through the API).
  void invalidate();
  // Builds the next snapshot when someone read in the last `interest` and the current one is
  // older than half of max_age (or was dropped); skips when another build runs.
  void refresh(storage::Storage& db, std::chrono::steady_clock::duration interest);
  [[nodiscard]] std::chrono::milliseconds max_age() const { return max_age_; }

  // Worst first: what an operator looks at first. Unknown states rank with "unknown".
  [[nodiscard]] static int health_rank(const std::string& health);

 private:
  Result<std::shared_ptr<const Snapshot>> rebuild(storage::Storage& db);

  Build build_;
  std::chrono::milliseconds max_age_;
  std::mutex mutex_;        // guards current_, valid_ and last_read_
  std::mutex build_mutex_;  // one build at a time
  std::shared_ptr<const Snapshot> current_;
  bool valid_ = false;
  std::chrono::steady_clock::time_point last_read_{};
};

}  // namespace outpost::web

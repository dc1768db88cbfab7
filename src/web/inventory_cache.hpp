// The inventory the monitoring reads answer from (overview, computers, one computer, servers):
// one snapshot for every request and every user, sorted worst first once, with what the filters
// compare kept beside each row, so a request filters and answers one page instead of building,
// copying and sorting 10,000 JSON objects (docs/performance.md). A snapshot serves for `max_age`;
// while someone has read in the last minute, refresh() (a thread of the API's own) builds the
// next one before it expires, so requests do not wait for builds; a request builds it itself only
// when none is fresh (the first read after a quiet minute, or after a change). A change made
// through the API drops it (a new generation), so the next read sees the change. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
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
    std::chrono::steady_clock::time_point built;  // when its build started
    std::uint64_t generation = 0;                 // the generation it was built in
    nlohmann::json rows;                          // an array, worst first, then by name
    std::vector<Key> keys;                        // rows[i]'s
    std::unordered_map<std::string, std::size_t> by_fqdn;
    nlohmann::json counts;  // {"healthy": N, ...}
  };
  // Builds the inventory as the server's "inventory" command answers it: an array of rows.
  using Build = std::function<Result<nlohmann::json>(storage::Storage&)>;

  InventoryCache(Build build, std::chrono::milliseconds max_age)
      : build_(std::move(build)), max_age_(max_age) {}

  // A snapshot of this generation at most max_age old, or, while another build runs, one at
  // most twice that old. Builds on `db` when there is none. A build that throws fails
  // this call (the exception propagates) and changes nothing.
  [[nodiscard]] Result<std::shared_ptr<const Snapshot>> get(storage::Storage& db);
  // A new generation: the next get() builds anew (after a change made through the API).
  void invalidate();
  // Builds the next snapshot when someone read in the last `interest` and the current one is
  // older than half of max_age or of an older generation; skips when another build runs.
  void refresh(storage::Storage& db, std::chrono::steady_clock::duration interest);
  // Whether refresh() would build now (to open a connection only then).
  [[nodiscard]] bool refresh_due(std::chrono::steady_clock::duration interest);
  [[nodiscard]] std::chrono::milliseconds max_age() const { return max_age_; }

  // Worst first: what an operator looks at first. Unknown states rank with "unknown".
  [[nodiscard]] static int health_rank(const std::string& health);

 private:
  // Call with build_mutex_ held.
  Result<std::shared_ptr<const Snapshot>> rebuild(storage::Storage& db);
  // Call with mutex_ held.
  [[nodiscard]] bool current_is_fresh(std::chrono::steady_clock::time_point now,
                                      std::chrono::steady_clock::duration age) const;

  Build build_;
  std::chrono::milliseconds max_age_;
  std::mutex build_mutex_;  // one build at a time; taken before mutex_
  std::mutex mutex_;        // guards current_, generation_ and last_read_
  std::shared_ptr<const Snapshot> current_;
  std::uint64_t generation_ = 0;
  std::chrono::steady_clock::time_point last_read_{};
};

}  // namespace outpost::web

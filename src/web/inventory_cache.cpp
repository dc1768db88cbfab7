#include "web/inventory_cache.hpp"

#include <algorithm>
#include <map>
#include <numeric>

namespace outpost::web {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

int InventoryCache::health_rank(const std::string& health) {
  static const std::map<std::string, int, std::less<>> ranks{
      {"critical", 0},     {"heartbeat_failure", 1}, {"unreachable", 2}, {"warning", 3},
      {"not_approved", 4}, {"unknown", 5},           {"maintenance", 6}, {"healthy", 7}};
  const auto it = ranks.find(health);
  return it == ranks.end() ? 5 : it->second;
}

void InventoryCache::invalidate() {
  const std::scoped_lock lock(mutex_);
  ++generation_;
}

bool InventoryCache::current_is_fresh(Clock::time_point now, Clock::duration age) const {
  return current_ && current_->generation == generation_ && now - current_->built < age;
}

Result<std::shared_ptr<const InventoryCache::Snapshot>> InventoryCache::get(storage::Storage& db) {
  {
    const std::scoped_lock lock(mutex_);
    last_read_ = Clock::now();
    if (current_is_fresh(last_read_, max_age_)) return current_;
  }
  std::unique_lock building(build_mutex_, std::try_to_lock);
  if (!building.owns_lock()) {
    {
      // Another build runs: answer from the last snapshot unless a change came after it or it
      // is from before a quiet spell (then wait for the build).
      const std::scoped_lock lock(mutex_);
      if (current_is_fresh(Clock::now(), 2 * max_age_)) return current_;
    }
    building.lock();
    const std::scoped_lock lock(mutex_);
    if (current_is_fresh(Clock::now(), max_age_)) return current_;
  }
  return rebuild(db);
}

bool InventoryCache::refresh_due(Clock::duration interest) {
  const std::scoped_lock lock(mutex_);
  const auto now = Clock::now();
  return now - last_read_ <= interest && !current_is_fresh(now, max_age_ / 2);
}

void InventoryCache::refresh(storage::Storage& db, Clock::duration interest) {
  if (!refresh_due(interest)) return;
  const std::unique_lock building(build_mutex_, std::try_to_lock);
  if (!building.owns_lock()) return;
  // A failed build is answered by the next request that builds (with its reason).
  (void)rebuild(db);
}

Result<std::shared_ptr<const InventoryCache::Snapshot>> InventoryCache::rebuild(
    storage::Storage& db) {
  std::uint64_t generation = 0;
  {
    const std::scoped_lock lock(mutex_);
    generation = generation_;
  }
  const auto started = Clock::now();
  auto rows = build_(db);
  if (!rows) return std::unexpected(rows.error());
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->built = started;
  snapshot->generation = generation;
  std::vector<Key> keys;
  keys.reserve(rows->size());
  snapshot->counts = json::object();
  for (const auto& row : *rows) {
    Key key{0, row.value("fqdn", ""), row.value("role", ""), row.value("health", "unknown"),
            row.value("parent", "")};
    key.rank = health_rank(key.health);
    auto& count = snapshot->counts[key.health];
    count = count.is_number() ? count.get<std::int64_t>() + 1 : 1;
    keys.push_back(std::move(key));
  }
  std::vector<std::size_t> order(keys.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::ranges::sort(order, [&](std::size_t a, std::size_t b) {
    if (keys[a].rank != keys[b].rank) return keys[a].rank < keys[b].rank;
    return keys[a].fqdn < keys[b].fqdn;
  });
  snapshot->rows = json::array();
  snapshot->rows.get_ref<json::array_t&>().reserve(order.size());
  snapshot->keys.reserve(order.size());
  for (const auto i : order) {
    snapshot->by_fqdn.emplace(keys[i].fqdn, snapshot->keys.size());
    snapshot->rows.push_back(std::move((*rows)[i]));
    snapshot->keys.push_back(std::move(keys[i]));
  }
  std::shared_ptr<const Snapshot> made = std::move(snapshot);
  const std::scoped_lock lock(mutex_);
  // A change that came while building may be missing from it: answer it, keep nothing.
  if (generation_ == generation) current_ = made;
  return made;
}

}  // namespace outpost::web

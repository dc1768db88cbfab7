#include "channel/refusal_table.hpp"

#include "core/text.hpp"

namespace outpost::channel {

void bound_texts(RefusalObservation& o) {
  for (auto [text, limit] :
       {std::pair{&o.key.identity, 255}, std::pair{&o.key.source, 64}, std::pair{&o.role, 32},
        std::pair{&o.management_group, 255}, std::pair{&o.reason, 512},
        std::pair{&o.certificate.subject, 512}, std::pair{&o.certificate.issuer, 512},
        std::pair{&o.certificate.serial, 128}, std::pair{&o.certificate.sha256, 64}}) {
    *text = clean_text(*text, static_cast<std::size_t>(limit));
  }
}

void RefusalTable::evict_oldest() {
  const RefusalKey& key = order_.back().record.last.key;
  if (auto names = names_per_source_.find(key.source);
      names != names_per_source_.end() && --names->second <= 0) {
    names_per_source_.erase(names);
  }
  index_.erase(key);
  order_.pop_back();
  ++dropped_;
}

void RefusalTable::record(RefusalObservation observation, TimePoint now) {
  bound_texts(observation);
  const std::lock_guard lock(mutex_);
  auto found = index_.find(observation.key);
  if (found == index_.end()) {
    const auto names = names_per_source_.find(observation.key.source);
    if (names != names_per_source_.end() && names->second >= kNamesPerSource) {
      observation.key.identity.assign(1, '*');  // not = "*": GCC 12 -O2 -Wrestrict
      found = index_.find(observation.key);
    }
  }
  if (found != index_.end()) {
    Entry& entry = *found->second;
    entry.record.last = std::move(observation);
    entry.record.latest = now;
    ++entry.record.count;
    entry.changed = true;
    order_.splice(order_.begin(), order_, found->second);
    return;
  }
  if (index_.size() >= capacity_) evict_oldest();
  // Each new key starts an epoch of its own, later than any before (storage adds epochs up, so
  // an evicted key that comes back is not mistaken for a repeat of its earlier report).
  const TimePoint epoch = std::max(now, last_epoch_ + std::chrono::milliseconds(1));
  last_epoch_ = epoch;
  RefusalKey key = observation.key;
  ++names_per_source_[key.source];
  order_.push_front(Entry{RefusalRecord{"", std::move(observation), now, now, epoch, 1}, true});
  index_.emplace(std::move(key), order_.begin());
}

void RefusalTable::set_capacity(std::size_t capacity) {
  const std::lock_guard lock(mutex_);
  capacity_ = capacity < 1 ? 1 : capacity;
  while (index_.size() > capacity_)
    evict_oldest();
}

std::vector<RefusalRecord> RefusalTable::take_changed(const std::string& reporter,
                                                      std::size_t limit) {
  const std::lock_guard lock(mutex_);
  std::vector<RefusalRecord> out;
  for (Entry& entry : order_) {
    if (out.size() >= limit) break;
    if (!entry.changed) continue;
    entry.changed = false;
    out.push_back(entry.record);
    out.back().reporter = reporter;
  }
  return out;
}

void RefusalTable::mark_all_changed() {
  const std::lock_guard lock(mutex_);
  for (Entry& entry : order_)
    entry.changed = true;
}

std::uint64_t RefusalTable::dropped() const {
  const std::lock_guard lock(mutex_);
  return dropped_;
}

std::size_t RefusalTable::size() const {
  const std::lock_guard lock(mutex_);
  return index_.size();
}

}  // namespace outpost::channel

#include "channel/refusal_table.hpp"

namespace outpost::channel {
namespace {

void cut(std::string& text, std::size_t limit) {
  if (text.size() > limit) text.resize(limit);
}

}  // namespace

void bound_texts(RefusalObservation& o) {
  cut(o.key.identity, 255);
  cut(o.key.source, 64);
  cut(o.role, 32);
  cut(o.management_group, 255);
  cut(o.reason, 512);
  cut(o.certificate.subject, 512);
  cut(o.certificate.issuer, 512);
  cut(o.certificate.serial, 128);
  cut(o.certificate.sha256, 64);
}

void RefusalTable::record(RefusalObservation observation, TimePoint now) {
  bound_texts(observation);
  const std::lock_guard lock(mutex_);
  if (auto found = index_.find(observation.key); found != index_.end()) {
    Entry& entry = *found->second;
    entry.record.last = std::move(observation);
    entry.record.latest = now;
    ++entry.record.count;
    entry.changed = true;
    order_.splice(order_.begin(), order_, found->second);
    return;
  }
  if (index_.size() >= capacity_) {
    index_.erase(order_.back().record.last.key);
    order_.pop_back();
    ++dropped_;
  }
  // Each new key starts an epoch of its own, later than any before (storage adds epochs up, so
  // an evicted key that comes back is not mistaken for a repeat of its earlier report).
  const TimePoint epoch = std::max(now, last_epoch_ + std::chrono::milliseconds(1));
  last_epoch_ = epoch;
  RefusalKey key = observation.key;
  order_.push_front(Entry{RefusalRecord{"", std::move(observation), now, now, epoch, 1}, true});
  index_.emplace(std::move(key), order_.begin());
}

void RefusalTable::set_capacity(std::size_t capacity) {
  const std::lock_guard lock(mutex_);
  capacity_ = capacity < 1 ? 1 : capacity;
  while (index_.size() > capacity_) {
    index_.erase(order_.back().record.last.key);
    order_.pop_back();
    ++dropped_;
  }
}

std::vector<RefusalRecord> RefusalTable::take_changed(const std::string& reporter) {
  const std::lock_guard lock(mutex_);
  std::vector<RefusalRecord> out;
  for (Entry& entry : order_) {
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

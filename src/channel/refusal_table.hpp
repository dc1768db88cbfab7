// A node's refused connections, aggregated per key (who, from where, why; core/refusal.hpp):
// first and latest time, count, and the latest refusal's details. Bounded: at most `capacity`
// keys; a new key beyond it evicts the least recently refused one, counted in dropped(). Every
// text is cut to a bounded length, so a flood of junk or of long claimed names cannot grow it.
// The listener records into it; the gateway sends what changed to its management server and the
// server writes its own and its gateways' to the database. Thread-safe.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/refusal.hpp"

namespace outpost::channel {

// Cuts every text of `observation` to the bounds a record keeps (names 255 bytes, the reason
// 512, certificate names 512, the role 32): what the table and the server apply to any input.
void bound_texts(RefusalObservation& observation);

class RefusalTable {
 public:
  explicit RefusalTable(std::size_t capacity) : capacity_(capacity < 1 ? 1 : capacity) {}

  void record(RefusalObservation observation, TimePoint now);
  // A new cap ([limits] refusal_records); the least recently refused beyond it are dropped.
  void set_capacity(std::size_t capacity);

  // The records changed since the last call, the most recently refused first, with `reporter`.
  [[nodiscard]] std::vector<RefusalRecord> take_changed(const std::string& reporter);
  // Every record counts as changed again (a new upstream connection: send all once more).
  void mark_all_changed();

  [[nodiscard]] std::uint64_t dropped() const;
  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] std::size_t capacity() const { return capacity_; }

 private:
  struct Entry {
    RefusalRecord record;
    bool changed = true;
  };
  using Order = std::list<Entry>;  // most recently refused first

  mutable std::mutex mutex_;
  std::size_t capacity_;
  Order order_;
  std::map<RefusalKey, Order::iterator> index_;
  std::uint64_t dropped_ = 0;
  TimePoint last_epoch_{};
};

}  // namespace outpost::channel

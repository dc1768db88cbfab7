// A node's refused connections, aggregated per key (who, from where, why; core/refusal.hpp):
// first and latest time, count, and the latest refusal's details. Bounded: at most `capacity`
// keys; a new key beyond it evicts the least recently refused one, counted in dropped(). Every
// text is cut to a bounded length, so a flood of junk or of long claimed names cannot grow it.
// The listener records into it; the gateway sends what changed to its management server and the
// server writes its own and its gateways' to the database. Thread-safe.
#pragma once

#include <cstdint>
#include <limits>
#include <list>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/refusal.hpp"

namespace outpost::channel {

// Every text of `observation` made clean (core/text.hpp: valid UTF-8, no control characters)
// and cut to the bounds a record keeps (names 255 bytes, the reason 512, certificate names 512,
// the role 32): what the table and the server apply to any input.
void bound_texts(RefusalObservation& observation);

class RefusalTable {
 public:
  explicit RefusalTable(std::size_t capacity) : capacity_(capacity < 1 ? 1 : capacity) {}

  // One source address keeps at most kNamesPerSource names of its own; refusals from it under
  // further names are aggregated under the name "*" (a peer rotating names cannot evict the
  // other sources' records alone).
  static constexpr int kNamesPerSource = 16;

  void record(RefusalObservation observation, TimePoint now);
  // A new cap ([limits] refusal_records); the least recently refused beyond it are dropped.
  void set_capacity(std::size_t capacity);

  // At most `limit` of the records changed since the last call, the most recently refused
  // first, with `reporter`; the others stay changed for the next call.
  [[nodiscard]] std::vector<RefusalRecord> take_changed(
      const std::string& reporter, std::size_t limit = std::numeric_limits<std::size_t>::max());
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
  void evict_oldest();

  mutable std::mutex mutex_;
  std::size_t capacity_;
  Order order_;
  std::map<RefusalKey, Order::iterator> index_;
  std::map<std::string, int, std::less<>> names_per_source_;
  std::uint64_t dropped_ = 0;
  TimePoint last_epoch_{};
};

}  // namespace outpost::channel

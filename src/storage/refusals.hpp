// What the database keeps of refused connections (core/refusal.hpp): each reporting node's
// aggregates (a management server's own and its gateways'), and per reporter what was dropped.
#pragma once

#include <cstdint>
#include <string>

#include "core/refusal.hpp"

namespace outpost::storage {

struct RefusalQuery {
  std::string computer;  // "": all; else the name refused, or the node that refused
  std::string identity;  // "": all; else only the refusals of this name
  TimePoint since{};     // refused last at or after this
  std::size_t limit = 1000;
};

struct RefusalDrops {
  std::string reporter;
  std::uint64_t dropped = 0;  // records the reporter's own table evicted (since it started)
  std::uint64_t evicted = 0;  // rows the database removed beyond [limits] refusal_records
  TimePoint updated{};
};

}  // namespace outpost::storage

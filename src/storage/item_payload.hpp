// The shape of an item's JSON payload, checked at ingest before anything is stored (the agent
// writes them in collect/payload.cpp; collect/README.md documents them). An item from any agent
// is untrusted input: a payload that is not a JSON object, misses a required field, has a field
// of the wrong type or is too large is refused (30052) and never reaches the database, so every
// stored payload can be read back without checks failing. Pure functions.
#pragma once

#include <cstddef>
#include <expected>
#include <string>
#include <string_view>

#include "storage/storage.hpp"

namespace outpost::storage {

inline constexpr std::size_t kMaxPayloadBytes = 1024 * 1024;  // a 64 KiB log line, escaped
inline constexpr std::size_t kMaxItemNameBytes = 1024;        // counter, check or rule name

// What is wrong with a payload: the field (empty for the payload as a whole) and what was found
// there ("a number", "missing", "not JSON", ...).
struct PayloadProblem {
  std::string field;
  std::string found;
  std::string expected;
  // "field 'rule' is a number (expected a string)"
  [[nodiscard]] std::string describe() const;
};

// The columns storage keeps beside the payload.
struct PayloadFields {
  std::string name;    // the sample's counter, the check's name, the event's rule
  std::string status;  // a check's status (ok, warning, critical, unknown)
  std::string output;  // a check's output
};

[[nodiscard]] std::expected<PayloadFields, PayloadProblem> check_item_payload(
    ItemKind kind, std::string_view payload);

}  // namespace outpost::storage

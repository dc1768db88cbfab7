// The error value Outpost passes around for expected failures (bad input, validation, I/O).
// Exceptions are for ending an operation; asserts for programmer errors (docs/architecture.md).
#pragma once

#include <expected>
#include <string>

#include "core/events.hpp"

namespace outpost {

struct Error {
  EventId event = EventId::none;  // the event a user sees for this failure, if there is one
  std::string message;            // what went wrong, with the evidence
  std::string fix;                // what to do about it; may be empty

  // "Message. Fix: fix." in one line; full stops are added where missing.
  [[nodiscard]] std::string describe() const;
};

template <class T>
using Result = std::expected<T, Error>;

// Shorthand for returning a failure: `return fail("...")`.
inline std::unexpected<Error> fail(std::string message, std::string fix = {},
                                   EventId event = EventId::none) {
  return std::unexpected(Error{event, std::move(message), std::move(fix)});
}

}  // namespace outpost

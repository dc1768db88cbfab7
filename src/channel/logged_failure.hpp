// The completion handler for a daemon's long-running coroutines (co_spawn): an exception that
// ends one is written to the event log with what stopped, never dropped (as a detached spawn
// would drop it).
#pragma once

#include <exception>
#include <string>

#include "core/event_log.hpp"

namespace outpost::channel {

// What ended a coroutine: the exception's what(), or "an unknown exception".
inline std::string failure_text(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
  }
  return "an unknown exception";
}

inline auto log_failure(EventLog& log, EventId event, std::string what) {
  return [&log, event, what = std::move(what)](const std::exception_ptr& failure) {
    if (failure) (void)log.write(event, what + ": " + failure_text(failure));
  };
}

}  // namespace outpost::channel

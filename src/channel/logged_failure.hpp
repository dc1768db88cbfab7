// The completion handler for a daemon's long-running coroutines (co_spawn): an exception that
// ends one is written to the event log with what stopped, never dropped (as a detached spawn
// would drop it).
#pragma once

#include <exception>
#include <string>

#include "core/event_log.hpp"

namespace outpost::channel {

inline auto log_failure(EventLog& log, EventId event, std::string what) {
  return [&log, event, what = std::move(what)](const std::exception_ptr& failure) {
    if (!failure) return;
    std::string why = "an unknown exception";
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      why = e.what();
    } catch (...) {
    }
    (void)log.write(event, what + ": " + why);
  };
}

}  // namespace outpost::channel

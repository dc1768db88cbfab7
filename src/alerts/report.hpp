// How the alert threads (the evaluator's, the notifier's) write an event: the server posts it to
// its I/O thread, which owns the event log.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/events.hpp"

namespace outpost::alerts {

using Report = std::function<void(EventId, std::string, nlohmann::json)>;

}  // namespace outpost::alerts

// One evaluation of the monitors (alerts/rules.hpp) against what the database holds: a finding
// for every computer and monitor that is not healthy now. Findings become alert changes in
// lifecycle.hpp.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "alerts/rules.hpp"
#include "core/error.hpp"
#include "storage/storage.hpp"

namespace outpost::alerts {

// A computer to evaluate, with what the server's health rules decided about its heartbeats.
// An approved one gets every monitor; one pending approval only the pending-approval monitor.
struct ComputerView {
  storage::Computer computer;
  // Its own heartbeats stopped, or its service said goodbye (not: unreachable because the
  // gateway it reports through failed; that gateway has the alert).
  bool heartbeat_failure = false;
};

// An alert's identity: the computer and the monitor ("cpu-high", "disk-free{/}" for one
// instance of a counter, "plugins/disk_root" for one check of a check monitor on "*").
using AlertKey = std::pair<std::string, std::string>;

struct Finding {
  std::string computer;
  std::string monitor;
  storage::Severity severity = storage::Severity::warning;
  std::string summary;
  std::vector<std::int64_t> occurrences_ms;  // a log monitor's matching events
};

// `current`: the severity of each active alert, for hysteresis (a threshold monitor stays
// beyond a level until the value is back by `hysteresis`).
[[nodiscard]] Result<std::vector<Finding>> evaluate(
    storage::Storage& db, const AlertRules& rules, const std::vector<ComputerView>& computers,
    const std::map<AlertKey, storage::Severity>& current, TimePoint now);

}  // namespace outpost::alerts

// The management server's side of alerts: every evaluation interval, the server holding the
// group's "alerts" lease (one at a time; a dead holder's lease lapses after three intervals and
// the next server takes over) evaluates the monitors and writes the changes under that lease, so
// two servers never open the same alert twice. Events: 30100 opened, 30101 resolved, 30104 this
// server took over or lost the evaluation, 30030 a database failure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "alerts/evaluate.hpp"
#include "alerts/rules.hpp"
#include "core/event_log.hpp"
#include "storage/storage.hpp"

namespace outpost::alerts {

inline constexpr std::string_view kAlertLease = "alerts";

class Evaluator {
 public:
  // `holder`: this server's name in the lease.
  Evaluator(storage::Storage& db, EventLog& log, std::string holder);

  // Evaluates when the interval has passed since the last evaluation; `computers` are the
  // approved computers with their heartbeat health.
  void tick(const AlertRules& rules, const std::vector<ComputerView>& computers, TimePoint now);

 private:
  void evaluate_now(const AlertRules& rules, const std::vector<ComputerView>& computers,
                    TimePoint now);
  void failed(const Error& error);

  storage::Storage& db_;
  EventLog& log_;
  std::string holder_;
  std::optional<TimePoint> last_;
  bool holding_ = false;
  bool failing_ = false;  // the last round failed (logged once until one succeeds)
};

}  // namespace outpost::alerts

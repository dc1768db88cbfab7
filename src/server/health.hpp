// Health of the computers of a management group, from what the database records: `healthy`
// while heartbeats arrive; `heartbeat_failure` once more than `missed_allowed` heartbeats were
// missed, or at once when its service said goodbye as it stopped; `unreachable` for an agent
// whose heartbeats stopped because the gateway it is connected through failed too, or whose
// gateway failed or stopped (the gateway is what to look at); `not_approved`, or `unknown` when
// never heard from.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/event_log.hpp"
#include "storage/storage.hpp"

namespace outpost::server {

enum class Health { healthy, heartbeat_failure, unreachable, not_approved, unknown };

[[nodiscard]] std::string_view health_name(Health health);

struct HeartbeatPolicy {
  int interval_s = 60;
  int missed_allowed = 3;
};

[[nodiscard]] std::map<std::string, Health> health_of_all(const std::vector<storage::Computer>& all,
                                                          HeartbeatPolicy policy, TimePoint now);

// Remembers the last health of every computer and logs the changes: 20022 when one stops
// heartbeating, 20023 when it becomes unreachable through its failed parent, 20020 when it is
// available again, 20021 when it is available again through a gateway. The first observation
// only sets the baseline.
class HealthWatch {
 public:
  void observe(const std::vector<storage::Computer>& all,
               const std::map<std::string, Health>& health, EventLog& log);

 private:
  std::map<std::string, Health> last_;
  bool baseline_ = false;
};

}  // namespace outpost::server

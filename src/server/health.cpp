#include "server/health.hpp"

#include <fmt/format.h>

namespace outpost::server {
namespace {

Health own_health(const storage::Computer& c, HeartbeatPolicy policy, TimePoint now) {
  if (c.approval != storage::Approval::approved) return Health::not_approved;
  if (!c.last_heartbeat) return Health::unknown;
  if (c.said_goodbye()) return Health::heartbeat_failure;
  const auto allowed = std::chrono::seconds(policy.interval_s) * (policy.missed_allowed + 1);
  return now - *c.last_heartbeat > allowed ? Health::heartbeat_failure : Health::healthy;
}

void log_change(const storage::Computer& c, Health before, Health now, EventLog& log) {
  const nlohmann::json fields{{"computer", c.fqdn}, {"parent", c.parent}};
  if (now == Health::heartbeat_failure && c.said_goodbye()) {
    (void)log.write(EventId::entity_not_heartbeating,
                    fmt::format("The {} {} is not heartbeating: its service stopped (it said "
                                "goodbye).",
                                storage::role_name(c.role), c.fqdn),
                    fields);
  } else if (now == Health::heartbeat_failure) {
    (void)log.write(
        EventId::entity_not_heartbeating,
        fmt::format("The {} {} is not heartbeating (last heartbeat through {}).",
                    storage::role_name(c.role), c.fqdn, c.parent.empty() ? "-" : c.parent),
        fields);
  } else if (now == Health::unreachable) {
    (void)log.write(EventId::entity_unreachable,
                    fmt::format("The {} {} is not reachable due to its gateway {} being "
                                "unavailable.",
                                storage::role_name(c.role), c.fqdn, c.parent),
                    fields);
  } else if (now == Health::healthy && before != Health::healthy) {
    const bool through_gateway =
        c.role == storage::Role::agent && !c.parent.empty() && c.parent != c.fqdn;
    if (through_gateway) {
      (void)log.write(EventId::entity_available_through,
                      fmt::format("The {} {} is now available through the system {}.",
                                  storage::role_name(c.role), c.fqdn, c.parent),
                      fields);
    } else {
      (void)log.write(
          EventId::entity_available,
          fmt::format("The {} {} is now available.", storage::role_name(c.role), c.fqdn), fields);
    }
  }
}

}  // namespace

std::string_view health_name(Health health) {
  switch (health) {
    case Health::healthy:
      return "healthy";
    case Health::heartbeat_failure:
      return "heartbeat_failure";
    case Health::unreachable:
      return "unreachable";
    case Health::not_approved:
      return "not_approved";
    case Health::unknown:
      return "unknown";
  }
  return "unknown";
}

std::map<std::string, Health> health_of_all(const std::vector<storage::Computer>& all,
                                            HeartbeatPolicy policy, TimePoint now) {
  std::map<std::string, Health> health;
  for (const auto& c : all)
    health[c.fqdn] = own_health(c, policy, now);
  std::map<std::string, storage::Role> roles;
  for (const auto& c : all)
    roles[c.fqdn] = c.role;
  for (const auto& c : all) {
    const auto parent = health.find(c.parent);
    if (c.role != storage::Role::agent || parent == health.end() || parent->first == c.fqdn ||
        parent->second != Health::heartbeat_failure) {
      continue;
    }
    // Its heartbeats stopped with its parent's; or they still look fresh, but the gateway they
    // came through stopped (a gateway that said goodbye is down at once, its agents are not).
    const Health own = health[c.fqdn];
    if (own == Health::heartbeat_failure ||
        (own == Health::healthy && roles[c.parent] == storage::Role::gateway)) {
      health[c.fqdn] = Health::unreachable;
    }
  }
  return health;
}

void HealthWatch::observe(const std::vector<storage::Computer>& all,
                          const std::map<std::string, Health>& health, EventLog& log) {
  for (const auto& c : all) {
    const Health now = health.at(c.fqdn);
    const auto before = last_.find(c.fqdn);
    if (baseline_ && (before == last_.end() || before->second != now)) {
      log_change(c, before == last_.end() ? Health::unknown : before->second, now, log);
    }
    last_[c.fqdn] = now;
  }
  baseline_ = true;
}

}  // namespace outpost::server

// outpost inventory --config SERVER.toml [--json]: every computer the management group knows,
// with role, the node it is connected through, health, last heartbeat, approval and
// certificate expiry (Operations Manager's Discovered Inventory).
#include <iostream>
#include <map>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "storage/storage.hpp"

namespace outpost::cli {
namespace {

struct Options {
  std::string config;
  bool json = false;
};

// healthy while heartbeats arrive; heartbeat_failure once more than missed_allowed are missed;
// not_approved / unknown (never heard from) otherwise.
std::string own_health(const storage::Computer& c, const NodeConfig& config, TimePoint now) {
  if (c.approval != storage::Approval::approved) return "not_approved";
  if (!c.last_heartbeat) return "unknown";
  const auto allowed =
      std::chrono::seconds(config.heartbeat_interval_s) * (config.heartbeat_missed_allowed + 1);
  return now - *c.last_heartbeat > allowed ? "heartbeat_failure" : "healthy";
}

// A computer whose heartbeats stopped because the gateway it is connected through is down is
// unreachable, not failed: the gateway is what to look at.
std::map<std::string, std::string> health_of_all(const std::vector<storage::Computer>& all,
                                                 const NodeConfig& config, TimePoint now) {
  std::map<std::string, std::string> health;
  for (const auto& c : all)
    health[c.fqdn] = own_health(c, config, now);
  for (const auto& c : all) {
    const auto parent = health.find(c.parent);
    if (health[c.fqdn] == "heartbeat_failure" && c.role == storage::Role::agent &&
        parent != health.end() && parent->second == "heartbeat_failure") {
      health[c.fqdn] = "unreachable";
    }
  }
  return health;
}

std::string optional_time(const std::optional<TimePoint>& t) {
  return t ? format_utc(*t) : "-";
}

int run(const Options& o) {
  auto config = load_node_config(o.config);
  if (!config) return report_failure(config.error());
  if (!config->database_url) {
    return report_failure({EventId::none, o.config + " has no [database] url",
                           "pass the management server's configuration with --config"});
  }
  auto db = storage::open_storage(*config->database_url);
  if (!db) return report_failure(db.error());
  auto computers = (*db)->computers();
  if (!computers) return report_failure(computers.error());
  const auto health = health_of_all(*computers, *config, Clock::now());
  if (o.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& c : *computers) {
      out.push_back({{"fqdn", c.fqdn},
                     {"role", storage::role_name(c.role)},
                     {"health", health.at(c.fqdn)},
                     {"parent", c.parent},
                     {"approval", storage::approval_name(c.approval)},
                     {"last_heartbeat", c.last_heartbeat ? format_utc(*c.last_heartbeat) : ""},
                     {"cert_not_after",
                      c.certificate_not_after ? format_utc(*c.certificate_not_after) : ""}});
    }
    print_json(out);
    return 0;
  }
  std::cout << fmt::format("{:<28} {:<18} {:<18} {:<24} {:<9} {:<21} {}\n", "FQDN", "ROLE",
                           "HEALTH", "CONNECTED THROUGH", "APPROVAL", "LAST HEARTBEAT",
                           "CERT EXPIRES");
  for (const auto& c : *computers) {
    std::cout << fmt::format(
        "{:<28} {:<18} {:<18} {:<24} {:<9} {:<21} {}\n", c.fqdn, storage::role_name(c.role),
        health.at(c.fqdn), c.parent.empty() ? "-" : c.parent, storage::approval_name(c.approval),
        optional_time(c.last_heartbeat), optional_time(c.certificate_not_after));
  }
  return 0;
}

}  // namespace

void add_inventory(CLI::App& app, Action& action) {
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("inventory", "every computer of the management group");
  cmd->add_option("--config", o->config, "the management server's configuration file")->required();
  cmd->add_flag("--json", o->json, "print as JSON");
  cmd->callback([o, &action] { action = [o] { return run(*o); }; });
}

}  // namespace outpost::cli

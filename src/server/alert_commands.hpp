// The admin commands about alerts and maintenance mode (outpost alerts, outpost maintenance),
// called by admin_command (admin_commands.hpp), and the health rollup the inventory shows.
#pragma once

#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "server/health.hpp"
#include "storage/storage.hpp"

namespace outpost::server {

// {"command": "alerts.list" | "alerts.show" | "alerts.ack" | "alerts.close" |
//  "alerts.notifications" | "maintenance.start" | "maintenance.stop" | "maintenance.list", ...};
// nullopt when `command` is not one of them.
[[nodiscard]] std::optional<nlohmann::json> alert_command(storage::Storage& db,
                                                          const std::string& command,
                                                          const nlohmann::json& request);

// A computer's health as the inventory shows it: `maintenance` while in maintenance mode; else
// its heartbeat health when that is not healthy; else the worst severity of its monitors
// (`critical`, `warning`), or `healthy`.
[[nodiscard]] std::string_view rolled_up_health(Health heartbeat,
                                                std::optional<storage::Severity> worst,
                                                bool in_maintenance);

// The worst severity among each computer's active alerts (their monitors are not healthy).
[[nodiscard]] std::map<std::string, storage::Severity> worst_monitors(
    const std::vector<storage::Alert>& active);

}  // namespace outpost::server

// The management server's admin commands (gateway approve/remove/list, agent
// pending/approve/reject/forget/list, inventory) as one function over the database. The running
// server calls it for requests on its admin socket; the command line calls it directly when no
// server runs (approving a gateway before the first start). Requests and answers are the admin
// socket's JSON (net/admin_socket.hpp).
#pragma once

#include <nlohmann/json.hpp>

#include "core/config.hpp"
#include "core/event_log.hpp"
#include "storage/storage.hpp"

namespace outpost::server {

// {"command": "gateway.approve", "fqdn": "gw1.lab.test", "server_initiates": false,
//  "address": "", "change_role": false} and so on; see admin_commands.cpp for the list. What
// the answer says happened (30011-30014, server/admin_rules.hpp) is written to `log` when given
// (the running server's event log, or its state directory's when the command line opens the
// database itself).
[[nodiscard]] nlohmann::json run_admin_command(storage::Storage& db, const NodeConfig& config,
                                               const nlohmann::json& request, EventLog* log);
// The same without logging.
[[nodiscard]] nlohmann::json admin_command(storage::Storage& db, const NodeConfig& config,
                                           const nlohmann::json& request);

// One inventory row per computer (the Discovered Inventory), with health.
[[nodiscard]] Result<nlohmann::json> inventory_json(storage::Storage& db, const NodeConfig& config);

}  // namespace outpost::server

// The management server's admin commands (gateway approve/remove/list, agent
// pending/approve/reject/list, inventory) as one function over the database. The running server
// calls it for requests on its admin socket; the command line calls it directly when no server
// runs (approving a gateway before the first start). Requests and answers are the admin
// socket's JSON (net/admin_socket.hpp).
#pragma once

#include <nlohmann/json.hpp>

#include "core/config.hpp"
#include "storage/storage.hpp"

namespace outpost::server {

// {"command": "gateway.approve", "fqdn": "gw1.lab.test", "server_initiates": false,
//  "address": ""} and so on; see admin_commands.cpp for the list.
[[nodiscard]] nlohmann::json run_admin_command(storage::Storage& db, const NodeConfig& config,
                                               const nlohmann::json& request);

// One inventory row per computer (the Discovered Inventory), with health.
[[nodiscard]] Result<nlohmann::json> inventory_json(storage::Storage& db, const NodeConfig& config);

}  // namespace outpost::server

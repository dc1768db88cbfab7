// What the REST API asks of the management server it runs in. The server wires these to its
// group commands (server/admin_commands.hpp): web/ knows nothing of the server (dependencies
// point down), and every change goes through the same code as the command line's.
#pragma once

#include <functional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "core/refusal.hpp"
#include "storage/storage.hpp"

namespace outpost::web {

struct Backend {
  // Runs a change (an admin command: {"command": "agent.approve", "fqdn": ...}) where the server
  // runs its commands, with its side effects (a rejected agent's connection closed, a new
  // failover list pushed). Answers the admin answer: {"ok": true, "result": ...} or
  // {"ok": false, "error": "...", "fix": "...", "event": N}.
  std::function<boost::asio::awaitable<nlohmann::json>(nlohmann::json)> change;
  // Answers a command that changes nothing (inventory, lists, alerts, data) on the web
  // listener's own connection `db`, from the calling thread.
  std::function<nlohmann::json(storage::Storage& db, const nlohmann::json&)> query;
  // The server's doctor view of one computer (outpost doctor --computer FQDN --json); may be
  // empty (no doctor wired in).
  std::function<nlohmann::json(const std::string& fqdn)> doctor;
  // One refused connection as `outpost refusals --json` shows it, with its meaning and fix; may
  // be empty (then the API answers the record without them).
  std::function<nlohmann::json(const RefusalRecord& record)> refusal;
};

}  // namespace outpost::web

#include "cli/server_admin.hpp"

#include <fmt/format.h>

#include "core/config.hpp"
#include "core/event_log.hpp"
#include "net/admin_socket.hpp"
#include "server/admin_commands.hpp"
#include "storage/storage.hpp"

namespace outpost::cli {
namespace {

Result<nlohmann::json> result_of(const nlohmann::json& answer) {
  if (answer.value("ok", false)) return answer.value("result", nlohmann::json{});
  return fail(answer.value("error", std::string("the daemon refused the request")),
              answer.value("fix", std::string()),
              event_id_from_number(answer.value("event", 0)).value_or(EventId::none));
}

}  // namespace

Result<nlohmann::json> ask_management_server(const std::string& config_file,
                                             const nlohmann::json& request) {
  auto config = load_node_config(config_file);
  if (!config) return std::unexpected(config.error());
  if (!config->database_url) {
    return fail(config_file + " has no [database] url: is it a management server's configuration?",
                "pass the management server's configuration with --config",
                EventId::command_line_invalid);
  }
  auto answer = net::admin_request(net::admin_socket_path(config->state_dir), request);
  if (answer) return result_of(*answer);
  if (!answer.error().not_running) return std::unexpected(answer.error().error);
  auto db = storage::open_storage(*config->database_url);  // no server runs: the database itself
  if (!db) return std::unexpected(db.error());
  // What the command did goes to the server's event log, as when the server runs it.
  std::optional<EventLog> log;
  if (std::filesystem::is_directory(config->state_dir)) {
    log.emplace(config->state_dir, "admin", Echo::none);
  }
  return result_of(server::run_admin_command(**db, *config, request, log ? &*log : nullptr));
}

Result<std::unique_ptr<storage::Storage>> open_server_database(const std::string& config_file) {
  auto config = load_node_config(config_file);
  if (!config) return std::unexpected(config.error());
  if (!config->database_url) {
    return fail(config_file + " has no [database] url: is it a management server's configuration?",
                "pass the management server's configuration with --config",
                EventId::command_line_invalid);
  }
  return storage::open_storage(*config->database_url);
}

Result<nlohmann::json> ask_daemon(const std::string& config_file, const nlohmann::json& request) {
  auto config = load_node_config(config_file);
  if (!config) return std::unexpected(config.error());
  const auto path = net::admin_socket_path(config->state_dir);
  auto answer = net::admin_request(path, request);
  if (answer) return result_of(*answer);
  if (answer.error().not_running) {
    return fail(fmt::format("{} ({}) is not running: nothing answers on {}", config->fqdn,
                            config_file, path.string()),
                fmt::format("start it (outpost server|gateway|agent --config {}) and look at "
                            "outpost events --config {}",
                            config_file, config_file),
                EventId::daemon_not_running);
  }
  return std::unexpected(answer.error().error);
}

}  // namespace outpost::cli

// outpost server --config FILE   and   outpost agent --config FILE: run a daemon in the
// foreground until SIGTERM/SIGINT.
#include <fmt/format.h>

#include "agent/agent_daemon.hpp"
#include "cli/commands.hpp"
#include "doctor/doctor.hpp"
#include "doctor/refusal_advice.hpp"
#include "doctor/report.hpp"
#include "gateway/gateway_daemon.hpp"
#include "server/management_server.hpp"

namespace outpost::cli {
namespace {

struct Options {
  std::string config;
};

// A daemon never creates its state directory: a missing one is a wrong path or a node not set up
// yet (30016). Reported on stderr only: there is nowhere to write an event log.
Result<void> check_state_dir(const NodeConfig& config) {
  std::error_code ec;
  if (std::filesystem::is_directory(config.state_dir, ec)) return {};
  return fail(
      fmt::format("{}: the state directory {} ([node] state_dir) does not exist; an Outpost "
                  "daemon never creates it",
                  config.file.string(), config.state_dir.string()),
      fmt::format("create it owner-only (install -d -m 700 {}) and import the node's "
                  "certificate into it (outpost cert trust / cert import), or correct "
                  "[node] state_dir",
                  config.state_dir.string()),
      EventId::state_dir_missing);
}

template <class Daemon, class... Parts>
int run(const Options& o, Parts... parts) {
  auto config = load_node_config(o.config);
  if (!config) return report_failure(config.error());
  if (auto ok = check_state_dir(*config); !ok) return report_failure(ok.error());
  if (auto ok = pki::prepare_stores(pki::StatePaths{config->state_dir}); !ok) {
    return report_failure(ok.error());
  }
  Daemon daemon(std::move(*config), std::move(parts)...);
  return daemon.run();
}

}  // namespace

void add_server(Command& app, Action& action) {
  auto o = std::make_shared<Options>();
  auto cmd = app.subcommand("server", "run a management server in the foreground");
  cmd.option("--config", o->config, "the server's configuration file").required();
  // The console's doctor views: a computer as outpost doctor --computer shows it, a refusal as
  // outpost refusals --json does.
  server::ManagementServer::ConsoleViews views;
  views.computer = [](const std::filesystem::path& config, const std::string& fqdn) {
    doctor::Options options;
    options.config = config;
    return doctor::to_json(doctor::run_computer_view(options, fqdn));
  };
  views.refusal = [](const RefusalRecord& record, const std::filesystem::path& config,
                     const std::string& group) {
    return doctor::refusal_json(record, doctor::advise_refusal(record, config.string(), group));
  };
  cmd.runs(action, [o, views] { return run<server::ManagementServer>(*o, views); });
}

Command add_agent(Command& app, Action& action) {
  auto o = std::make_shared<Options>();
  auto cmd = app.subcommand(
      "agent", "run an agent in the foreground (--config), or manage agents on a server");
  cmd.require_subcommand(0, 1);
  cmd.option("--config", o->config, "the agent's configuration file");
  cmd.on_parsed([o, cmd, &action] {
    if (cmd.chose_subcommand()) return;  // an admin subcommand set the action
    if (o->config.empty()) missing_option("--config");
    action = [o] { return run<agent::AgentDaemon>(*o); };
  });
  return cmd;
}

Command add_gateway(Command& app, Action& action) {
  auto o = std::make_shared<Options>();
  auto cmd = app.subcommand(
      "gateway", "run a gateway in the foreground (--config), or manage gateways on a server");
  cmd.require_subcommand(0, 1);
  cmd.option("--config", o->config, "the gateway's configuration file");
  cmd.on_parsed([o, cmd, &action] {
    if (cmd.chose_subcommand()) return;  // an admin subcommand set the action
    if (o->config.empty()) missing_option("--config");
    action = [o] { return run<gateway::GatewayDaemon>(*o); };
  });
  return cmd;
}

}  // namespace outpost::cli

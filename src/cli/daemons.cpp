// outpost server --config FILE   and   outpost agent --config FILE: run a daemon in the
// foreground until SIGTERM/SIGINT.
#include "agent/agent_daemon.hpp"
#include "cli/commands.hpp"
#include "gateway/gateway_daemon.hpp"
#include "server/management_server.hpp"

namespace outpost::cli {
namespace {

struct Options {
  std::string config;
};

template <class Daemon>
int run(const Options& o) {
  auto config = load_node_config(o.config);
  if (!config) return report_failure(config.error());
  if (auto ok = pki::prepare_stores(pki::StatePaths{config->state_dir}); !ok) {
    return report_failure(ok.error());
  }
  Daemon daemon(std::move(*config));
  return daemon.run();
}

}  // namespace

void add_server(CLI::App& app, Action& action) {
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("server", "run a management server in the foreground");
  cmd->add_option("--config", o->config, "the server's configuration file")->required();
  cmd->callback([o, &action] { action = [o] { return run<server::ManagementServer>(*o); }; });
}

CLI::App* add_agent(CLI::App& app, Action& action) {
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "agent", "run an agent in the foreground (--config), or manage agents on a server");
  cmd->require_subcommand(0, 1);
  cmd->add_option("--config", o->config, "the agent's configuration file");
  cmd->callback([o, cmd, &action] {
    if (!cmd->get_subcommands().empty()) return;  // an admin subcommand set the action
    if (o->config.empty()) throw CLI::RequiredError("--config");
    action = [o] { return run<agent::AgentDaemon>(*o); };
  });
  return cmd;
}

CLI::App* add_gateway(CLI::App& app, Action& action) {
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "gateway", "run a gateway in the foreground (--config), or manage gateways on a server");
  cmd->require_subcommand(0, 1);
  cmd->add_option("--config", o->config, "the gateway's configuration file");
  cmd->callback([o, cmd, &action] {
    if (!cmd->get_subcommands().empty()) return;  // an admin subcommand set the action
    if (o->config.empty()) throw CLI::RequiredError("--config");
    action = [o] { return run<gateway::GatewayDaemon>(*o); };
  });
  return cmd;
}

}  // namespace outpost::cli

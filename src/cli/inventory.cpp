// outpost inventory --config SERVER.toml [--json]: every computer the management group knows,
// with role, the node it is connected through, health, last heartbeat, approval and
// certificate expiry (Operations Manager's Discovered Inventory).
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/server_admin.hpp"

namespace outpost::cli {
namespace {

struct Options {
  std::string config;
  bool json = false;
};

int run(const Options& o) {
  auto inventory = ask_management_server(o.config, {{"command", "inventory"}});
  if (!inventory) return report_failure(inventory.error());
  if (o.json) {
    print_json(*inventory);
    return 0;
  }
  std::cout << fmt::format("{:<28} {:<18} {:<18} {:<24} {:<9} {:<9} {:<21} {}\n", "FQDN", "ROLE",
                           "HEALTH", "CONNECTED THROUGH", "APPROVAL", "CHECKS", "LAST HEARTBEAT",
                           "CERT EXPIRES");
  for (const auto& c : *inventory) {
    std::cout << fmt::format("{:<28} {:<18} {:<18} {:<24} {:<9} {:<9} {:<21} {}\n",
                             c.value("fqdn", ""), c.value("role", ""), c.value("health", ""),
                             or_dash(c.value("parent", "")), c.value("approval", ""),
                             or_dash(c.value("checks", "")), or_dash(c.value("last_heartbeat", "")),
                             or_dash(c.value("cert_not_after", "")));
  }
  return 0;
}

}  // namespace

void add_inventory(Command& app, Action& action) {
  auto o = std::make_shared<Options>();
  auto cmd = app.subcommand("inventory", "every computer of the management group");
  cmd.option("--config", o->config, "the management server's configuration file").required();
  cmd.flag("--json", o->json, "print as JSON");
  cmd.runs(action, [o] { return run(*o); });
}

}  // namespace outpost::cli

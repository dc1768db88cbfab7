// outpost status --config FILE [--json]: what the running node says of itself through its admin
// socket: its channel certificate, its parent connection (host, port, since when, whether it is
// the primary) and its children. This replaces `netstat -n | findstr 5723`.
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

void print_status(const nlohmann::json& s) {
  std::cout << fmt::format("{} ({}, management group {})\n", s.value("fqdn", ""),
                           s.value("role", ""), s.value("management_group", ""));
  const auto& cert = s.at("certificate");
  std::cout << fmt::format("  certificate  {}, serial {}, expires {}\n", cert.value("subject", ""),
                           cert.value("serial", ""), cert.value("not_after", ""));
  std::cout << fmt::format("               sha256 {}\n", cert.value("sha256", ""));
  if (!s.value("listen", "").empty()) {
    std::cout << fmt::format("  listening    {}\n", s.value("listen", ""));
  }
  const auto& parent = s.at("parent");
  if (parent.is_object()) {
    std::cout << fmt::format("  parent       {} at {}:{} ({}), connected from {} since {}\n",
                             parent.value("fqdn", ""), parent.value("host", ""),
                             parent.value("port", 0),
                             parent.value("primary", false) ? "primary" : "failover",
                             parent.value("address", ""), parent.value("since", ""));
  } else if (s.value("role", "") != "management_server") {
    std::cout << "  parent       not connected (see outpost events and outpost doctor)\n";
  }
  const auto& children = s.at("children");
  std::cout << fmt::format("  children     {}\n", children.size());
  for (const auto& c : children) {
    std::cout << fmt::format("    {:<32} {:<18} {:<24} since {}\n", c.value("fqdn", ""),
                             c.value("role", ""), c.value("address", ""), c.value("since", ""));
  }
}

int run(const Options& o) {
  auto status = ask_daemon(o.config, {{"command", "status"}});
  if (!status) return report_failure(status.error());
  if (o.json) {
    print_json(*status);
  } else {
    print_status(*status);
  }
  return 0;
}

}  // namespace

void add_status(Command& app, Action& action) {
  auto o = std::make_shared<Options>();
  auto cmd = app.subcommand("status", "this node's certificate, parent and children");
  cmd.option("--config", o->config, "the node's configuration file").required();
  cmd.flag("--json", o->json, "print as JSON");
  cmd.runs(action, [o] { return run(*o); });
}

}  // namespace outpost::cli

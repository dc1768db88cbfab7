// outpost gateway approve|remove|list and outpost agent pending|approve|reject|forget|list,
// through the running management server's admin socket (or its database when it is not
// running). A change takes effect at once: the server ends connections that are no longer
// admitted. Exit status: 0 done (or already as asked: the message says "nothing changed"),
// 1 refused or failed, 3 nothing changed because the name is not known (30013).
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/server_admin.hpp"

namespace outpost::cli {
namespace {

constexpr int kExitNothingChanged = 3;

struct Options {
  std::string config;
  std::string name;
  std::string agent;  // --agent NAME, the same as the positional name
  bool server_initiates = false;
  bool rebind = false;
  bool change_role = false;
  std::string address;
  std::string primary;
  std::vector<std::string> failover;
  bool force = false;
  bool json = false;
};

void print_computers(const nlohmann::json& computers) {
  for (const auto& c : computers) {
    std::cout << fmt::format("{:<40} {:<18} {:<9} first seen {}\n", shown(c.value("fqdn", "")),
                             c.value("role", ""), c.value("approval", ""),
                             c.value("first_seen", ""));
  }
}

// Sends the request; prints the answer's message (and warning), or the list it returned.
int run(const Options& o, nlohmann::json request) {
  if (!o.agent.empty()) request["fqdn"] = o.agent;
  if (!o.name.empty()) request["fqdn"] = o.name;
  auto result = ask_management_server(o.config, request);
  if (!result) {
    const int code = report_failure(result.error());
    return result.error().event == EventId::admin_no_change ? kExitNothingChanged : code;
  }
  if (result->is_object() && result->contains("warning")) {
    const int event = result->value("event", 0);
    std::cerr << fmt::format("outpost: warning {}{}\n",
                             event != 0 ? fmt::format("[event {}] ", event) : std::string(),
                             result->value("warning", ""));
  }
  if (result->is_array()) {
    if (o.json) {
      print_json(*result);
    } else {
      print_computers(*result);
    }
    return 0;
  }
  std::cout << result->value("message", "") << '\n';
  return 0;
}

int approve_gateway(const Options& o) {
  return run(o, {{"command", "gateway.approve"},
                 {"server_initiates", o.server_initiates},
                 {"address", o.address},
                 {"rebind", o.rebind},
                 {"change_role", o.change_role}});
}

int set_topology(const Options& o, const std::string& command) {
  return run(
      o,
      {{"command", command}, {"primary", o.primary}, {"failover", o.failover}, {"force", o.force}});
}

// --primary P --failover F1,F2 [--force], for gateway set-failover and agent set-parent.
void add_topology_options(Command cmd, Options& o, const std::string& parents) {
  cmd.option("--primary", o.primary, "the primary " + parents + " (FQDN or FQDN:PORT)").required();
  cmd.option("--failover", o.failover, "the failover " + parents + ", in order").delimiter(',');
  cmd.flag("--force", o.force,
           "apply even if none of the new parents is connected to the node or up");
}

Command with_config(Command cmd, Options& o) {
  cmd.option("--config", o.config, "the management server's configuration file").required();
  return cmd;
}

// The agent a command names: positional, or --agent NAME (for a stored name that starts with a
// dash). Any stored name is passed on as it is; the server decides what it names.
void add_agent_name(Command cmd, Options& o) {
  auto positional = cmd.option("fqdn", o.name, "the agent's FQDN (as stored)");
  auto option = cmd.option("--agent", o.agent, "the agent's FQDN (as stored)");
  positional.excludes(option);
}

// Sets `action` to send `command` once the agent's name was given one way or the other.
void on_agent_command(Command cmd, const std::shared_ptr<Options>& o, Action& action,
                      const std::string& command) {
  cmd.on_parsed([o, &action, command] {
    if (o->name.empty() && o->agent.empty()) missing_option("--agent");
    action = [o, command] { return run(*o, {{"command", command}}); };
  });
}

}  // namespace

void add_gateway_admin(Command& gateway, Action& action) {
  auto o = std::make_shared<Options>();
  auto approve = with_config(gateway.subcommand("approve", "approve a gateway"), *o);
  approve.option("--gateway", o->name, "the gateway's FQDN").required();
  approve.flag("--server-initiates", o->server_initiates,
               "the management server dials the gateway (a DMZ gateway that never dials in)");
  approve.option("--address", o->address, "HOST:PORT the server dials, with --server-initiates");
  approve.flag("--rebind", o->rebind,
               "forget the key the gateway is bound to (after renewing its key on purpose); "
               "the key it connects with next is bound");
  approve.flag("--change-role", o->change_role,
               "approve a name known as an agent or a management server anyway, changing "
               "its role (logged as 30012)");
  approve.runs(action, [o] { return approve_gateway(*o); });

  auto remove = with_config(gateway.subcommand("remove", "remove a gateway's approval"), *o);
  remove.option("--gateway", o->name, "the gateway's FQDN").required();
  remove.runs(action, [o] { return run(*o, {{"command", "gateway.remove"}}); });

  auto failover =
      with_config(gateway.subcommand("set-failover", "set a gateway's management servers"), *o);
  failover.option("--gateway", o->name, "the gateway's FQDN").required();
  add_topology_options(failover, *o, "management server");
  failover.runs(action, [o] { return set_topology(*o, "gateway.set-failover"); });

  auto list_cmd = with_config(gateway.subcommand("list", "list the gateways"), *o);
  list_cmd.flag("--json", o->json, "print as JSON");
  list_cmd.runs(action, [o] { return run(*o, {{"command", "gateway.list"}}); });
}

void add_agent_admin(Command& agent, Action& action) {
  auto o = std::make_shared<Options>();
  auto pending = with_config(agent.subcommand("pending", "list agents waiting for approval"), *o);
  pending.flag("--json", o->json, "print as JSON");
  pending.runs(action, [o] { return run(*o, {{"command", "agent.pending"}}); });
  auto approve = with_config(agent.subcommand("approve", "approve an agent"), *o);
  add_agent_name(approve, *o);
  on_agent_command(approve, o, action, "agent.approve");
  auto reject = with_config(agent.subcommand("reject", "reject an agent"), *o);
  add_agent_name(reject, *o);
  on_agent_command(reject, o, action, "agent.reject");
  auto forget = with_config(
      agent.subcommand("forget", "delete a pending or rejected agent's row (reject first)"), *o);
  add_agent_name(forget, *o);
  on_agent_command(forget, o, action, "agent.forget");
  auto parent = with_config(
      agent.subcommand("set-parent", "set an agent's gateways or management servers"), *o);
  parent.option("--agent", o->name, "the agent's FQDN").required();
  add_topology_options(parent, *o, "gateway or management server");
  parent.runs(action, [o] { return set_topology(*o, "agent.set-parent"); });

  auto list_cmd = with_config(agent.subcommand("list", "list the agents"), *o);
  list_cmd.flag("--json", o->json, "print as JSON");
  list_cmd.runs(action, [o] { return run(*o, {{"command", "agent.list"}}); });
}

}  // namespace outpost::cli

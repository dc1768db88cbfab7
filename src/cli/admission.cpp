// outpost gateway approve|remove|list and outpost agent pending|approve|reject|list, against
// the management server's database (the running server reads it on every admission, so a
// change takes effect on the next connection attempt, without a restart).
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/names.hpp"
#include "storage/storage.hpp"

namespace outpost::cli {
namespace {

struct Options {
  std::string config;
  std::string name;
  bool server_initiates = false;
  std::string address;
  bool json = false;
};

Result<std::unique_ptr<storage::Storage>> open_database(const std::string& config_file) {
  auto config = load_node_config(config_file);
  if (!config) return std::unexpected(config.error());
  if (!config->database_url) {
    return fail(config_file +
                    " has no [database] url: is it a management server's "
                    "configuration?",
                "pass the management server's configuration with --config");
  }
  return storage::open_storage(*config->database_url);
}

nlohmann::json computer_json(const storage::Computer& c) {
  return {{"fqdn", c.fqdn},
          {"role", storage::role_name(c.role)},
          {"approval", storage::approval_name(c.approval)},
          {"first_seen", format_utc(c.first_seen)}};
}

int list(const Options& o, std::optional<storage::Role> role,
         std::optional<storage::Approval> approval) {
  auto db = open_database(o.config);
  if (!db) return report_failure(db.error());
  auto all = (*db)->computers();
  if (!all) return report_failure(all.error());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : *all) {
    if ((role && c.role != *role) || (approval && c.approval != *approval)) continue;
    if (o.json) {
      out.push_back(computer_json(c));
    } else {
      std::cout << fmt::format("{:<40} {:<18} {:<9} first seen {}\n", c.fqdn,
                               storage::role_name(c.role), storage::approval_name(c.approval),
                               format_utc(c.first_seen));
    }
  }
  if (o.json) print_json(out);
  return 0;
}

int approve_gateway(const Options& o) {
  if (!is_valid_host_name(o.name)) {
    return report_failure({EventId::none, fmt::format("'{}' is not a valid FQDN", o.name),
                           "pass the gateway's FQDN with --gateway"});
  }
  if (o.server_initiates && !parse_endpoint(o.address)) {
    return report_failure({EventId::none, "--server-initiates needs --address HOST:PORT",
                           "give the address the management server dials the gateway on"});
  }
  auto db = open_database(o.config);
  if (!db) return report_failure(db.error());
  if (auto ok = (*db)->approve_gateway(canonical_host_name(o.name), o.server_initiates, o.address);
      !ok) {
    return report_failure(ok.error());
  }
  std::cout << fmt::format("The approval of server {} completed successfully.\n",
                           canonical_host_name(o.name));
  return 0;
}

int remove_computer(const Options& o) {
  auto db = open_database(o.config);
  if (!db) return report_failure(db.error());
  auto removed = (*db)->remove_gateway(canonical_host_name(o.name));
  if (!removed) return report_failure(removed.error());
  if (!*removed) {
    return report_failure({EventId::none, fmt::format("{} is not a known gateway", o.name),
                           "see outpost gateway list"});
  }
  std::cout << fmt::format(
      "The removal of server {} from the management group completed successfully.\n",
      canonical_host_name(o.name));
  return 0;
}

int set_approval(const Options& o, storage::Approval approval) {
  auto db = open_database(o.config);
  if (!db) return report_failure(db.error());
  auto changed = (*db)->set_agent_approval(canonical_host_name(o.name), approval);
  if (!changed) return report_failure(changed.error());
  if (!*changed) {
    return report_failure({EventId::none, fmt::format("{} is not a known agent", o.name),
                           "see outpost agent list; an agent is known once it has connected"});
  }
  std::cout << fmt::format("Agent {} is now {}.\n", canonical_host_name(o.name),
                           storage::approval_name(approval));
  return 0;
}

CLI::App* with_config(CLI::App* cmd, Options& o) {
  cmd->add_option("--config", o.config, "the management server's configuration file")->required();
  return cmd;
}

}  // namespace

void add_gateway_admin(CLI::App& gateway, Action& action) {
  auto o = std::make_shared<Options>();
  auto* approve = with_config(gateway.add_subcommand("approve", "approve a gateway"), *o);
  approve->add_option("--gateway", o->name, "the gateway's FQDN")->required();
  approve->add_flag("--server-initiates", o->server_initiates,
                    "the management server dials the gateway (a DMZ gateway that never dials in)");
  approve->add_option("--address", o->address,
                      "HOST:PORT the server dials, with --server-initiates");
  approve->callback([o, &action] { action = [o] { return approve_gateway(*o); }; });

  auto* remove = with_config(gateway.add_subcommand("remove", "remove a gateway's approval"), *o);
  remove->add_option("--gateway", o->name, "the gateway's FQDN")->required();
  remove->callback([o, &action] { action = [o] { return remove_computer(*o); }; });

  auto* list_cmd = with_config(gateway.add_subcommand("list", "list the gateways"), *o);
  list_cmd->add_flag("--json", o->json, "print as JSON");
  list_cmd->callback(
      [o, &action] { action = [o] { return list(*o, storage::Role::gateway, std::nullopt); }; });
}

void add_agent_admin(CLI::App& agent, Action& action) {
  auto o = std::make_shared<Options>();
  auto* pending =
      with_config(agent.add_subcommand("pending", "list agents waiting for approval"), *o);
  pending->add_flag("--json", o->json, "print as JSON");
  pending->callback([o, &action] {
    action = [o] { return list(*o, storage::Role::agent, storage::Approval::pending); };
  });
  auto* approve = with_config(agent.add_subcommand("approve", "approve an agent"), *o);
  approve->add_option("fqdn", o->name, "the agent's FQDN")->required();
  approve->callback(
      [o, &action] { action = [o] { return set_approval(*o, storage::Approval::approved); }; });
  auto* reject = with_config(agent.add_subcommand("reject", "reject an agent"), *o);
  reject->add_option("fqdn", o->name, "the agent's FQDN")->required();
  reject->callback(
      [o, &action] { action = [o] { return set_approval(*o, storage::Approval::rejected); }; });
  auto* list_cmd = with_config(agent.add_subcommand("list", "list the agents"), *o);
  list_cmd->add_flag("--json", o->json, "print as JSON");
  list_cmd->callback(
      [o, &action] { action = [o] { return list(*o, storage::Role::agent, std::nullopt); }; });
}

}  // namespace outpost::cli

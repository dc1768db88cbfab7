// Check 1: the configuration file is valid, names this computer and its management group, and
// lists the parents its role needs. It also decides the role doctor speaks as: a configuration
// with [database] is a management server, with [listen] and [parents] a gateway, with [parents]
// only an agent.
#include <filesystem>

#include <fmt/format.h>

#include "channel/configuration.hpp"
#include "core/names.hpp"
#include "doctor/context.hpp"

namespace outpost::doctor {
namespace {

// The full name a single-label [node] fqdn stands for: the subject of a certificate in the
// personal store whose first label it is ("" when there is none).
std::string full_name_in_store(const NodeConfig& config) {
  const pki::PersonalStore personal = pki::load_personal(pki::StatePaths{config.state_dir});
  const std::string prefix = canonical_host_name(config.fqdn) + ".";
  for (const auto& e : personal.entries) {
    const std::string name = canonical_host_name(e.certificate.common_name());
    if (name.starts_with(prefix)) return e.certificate.common_name();
  }
  return {};
}

// The parents the daemon uses, by the daemon's own rule (channel::ReceivedConfiguration): those
// the configuration service pushed (set-parent, set-failover), else the file's [parents]. A
// damaged configuration.toml is check 10's finding; the daemon then keeps the file's parents too.
struct ParentsInForce {
  std::vector<Endpoint> parents;
  bool pushed = false;
};

ParentsInForce parents_in_force(const NodeConfig& config) {
  channel::ReceivedConfiguration received(config.state_dir);
  (void)received.read();
  auto parents = received.parents(config);
  const bool pushed = parents != config.parents;
  return {std::move(parents), pushed};
}

std::string joined(const std::vector<Endpoint>& endpoints) {
  std::vector<std::string> texts;
  for (const auto& p : endpoints)
    texts.push_back(p.text());
  return fmt::format("{}", fmt::join(texts, ", "));
}

}  // namespace

std::vector<Finding> check_configuration(Context& c) {
  const std::string file = c.options.config.string();
  auto config = load_node_config(c.options.config);
  if (!config) {
    const EventId event =
        config.error().event == EventId::none ? EventId::config_invalid : config.error().event;
    return {failed(event, config.error().message,
                   config.error().fix.empty() ? "correct the file and run outpost doctor again"
                                              : config.error().fix)};
  }
  if (!is_valid_host_name(config->fqdn)) {
    return {
        failed(EventId::config_invalid,
               fmt::format("{}: [node] fqdn = '{}' is not a valid host name", file, config->fqdn),
               "set [node] fqdn to this computer's FQDN, the name in its certificate")};
  }
  if (config->management_group.empty()) {
    return {failed(EventId::config_invalid,
                   fmt::format("{}: [node] management_group is empty", file),
                   "set [node] management_group to the group's name, e.g. \"LAB\"")};
  }
  if (config->database_url) {
    c.role = NodeRole::management_server;
  } else if (config->parents.empty()) {
    return {failed(EventId::config_invalid,
                   fmt::format("{}: no [parents] servers: an agent or a gateway needs a parent "
                               "(and a management server needs [database])",
                               file),
                   "add [parents] servers = [\"PARENT-FQDN:5723\"]")};
  } else {
    c.role = config->listen ? NodeRole::gateway : NodeRole::agent;
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(config->state_dir, ec)) {
    return {failed(
        EventId::state_dir_missing,
        fmt::format("{}: [node] state_dir {} does not exist", file, config->state_dir.string()),
        fmt::format("correct [node] state_dir, or create it owner-only (install -d -m 700 {}) "
                    "and import the certificate: outpost cert import --state {} --fqdn {} ...",
                    config->state_dir.string(), config->state_dir.string(), config->fqdn))};
  }
  const bool single_label = config->fqdn.find('.') == std::string::npos;
  if (single_label) {
    // Every later check compares names with [node] fqdn: a short name that stands for the
    // certificate's full name would make check 7 advise a certificate for the short name.
    if (const std::string full = full_name_in_store(*config); !full.empty()) {
      return {failed(EventId::config_invalid,
                     fmt::format("{}: [node] fqdn = '{}' is a single label, not the fully "
                                 "qualified name; this computer's certificate names it {}",
                                 file, config->fqdn, full),
                     fmt::format("set [node] fqdn = \"{}\" in {} (the name in the certificate) "
                                 "and run outpost doctor again",
                                 full, file))};
    }
  }
  const ParentsInForce in_force = parents_in_force(*config);
  for (const auto& p : in_force.parents) {
    ParentState parent;
    parent.endpoint = p;
    c.parents.push_back(std::move(parent));
  }
  std::string evidence = fmt::format("{} is valid: {} {} in management group {}, state_dir {}",
                                     file, node_role_name(c.role), config->fqdn,
                                     config->management_group, config->state_dir.string());
  if (in_force.pushed) {
    evidence += fmt::format(
        ", parents {} (pushed by the configuration service, kept in configuration.toml; they "
        "replace [parents] {} of the file)",
        joined(in_force.parents), joined(config->parents));
  } else if (!in_force.parents.empty()) {
    evidence += fmt::format(", parents {}", joined(in_force.parents));
  }
  const std::string fqdn = config->fqdn;
  c.config = std::move(*config);
  if (single_label) {
    return {warned(EventId::config_invalid,
                   evidence + fmt::format("; but '{}' is a single label, not a fully qualified "
                                          "name",
                                          fqdn),
                   "use the FQDN (host.domain) in [node] fqdn and in the certificate, so that "
                   "parents in other domains can resolve and verify it")};
  }
  return {passed(std::move(evidence))};
}

}  // namespace outpost::doctor

// Check 1: the configuration file is valid, names this computer and its management group, and
// lists the parents its role needs. It also decides the role doctor speaks as: a configuration
// with [database] is a management server, with [listen] and [parents] a gateway, with [parents]
// only an agent.
#include <filesystem>

#include <fmt/format.h>

#include "core/names.hpp"
#include "doctor/context.hpp"

namespace outpost::doctor {

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
        EventId::config_invalid,
        fmt::format("{}: [node] state_dir {} does not exist", file, config->state_dir.string()),
        fmt::format("correct [node] state_dir, or create it by importing the "
                    "certificate: outpost cert import --state {} --fqdn {} ...",
                    config->state_dir.string(), config->fqdn))};
  }
  std::vector<std::string> parents;
  for (const auto& p : config->parents) {
    parents.push_back(p.text());
    c.parents.push_back(ParentState{p, {}, false, {}});
  }
  std::string evidence = fmt::format("{} is valid: {} {} in management group {}, state_dir {}",
                                     file, node_role_name(c.role), config->fqdn,
                                     config->management_group, config->state_dir.string());
  if (!parents.empty()) evidence += fmt::format(", parents {}", fmt::join(parents, ", "));
  const bool single_label = config->fqdn.find('.') == std::string::npos;
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

#include "cli/common.hpp"

#include <iostream>

#include <fmt/format.h>

#include "core/text.hpp"

namespace outpost::cli {

int report_failure(const Error& error) {
  std::string line = "outpost: ";
  if (error.event != EventId::none) {
    line += fmt::format("[event {}] ", number(error.event));
  }
  line += error.describe();
  std::cerr << line << '\n';
  return 1;
}

std::string shown(const std::string& text) {
  return clean_text(text);
}

void print_json(const nlohmann::json& value) {
  // replace: a string that is not UTF-8 never makes the output fail (or not JSON)
  std::cout << value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

void print_checks(const std::vector<pki::CheckResult>& checks) {
  for (const auto& c : checks) {
    std::string event;
    if (c.verdict != pki::Verdict::pass) {
      event = fmt::format("[{}] ", number(c.event));
    }
    std::cout << fmt::format("{}  {:<20} {}{}\n", pki::verdict_name(c.verdict), c.name, event,
                             c.detail);
    if (!c.fix.empty()) {
      std::cout << fmt::format("      {:<20} fix: {}\n", "", c.fix);
    }
  }
}

nlohmann::json checks_json(const std::vector<pki::CheckResult>& checks) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : checks) {
    nlohmann::json j{
        {"check", c.name}, {"verdict", pki::verdict_name(c.verdict)}, {"detail", c.detail}};
    if (c.verdict != pki::Verdict::pass) {
      j["event"] = number(c.event);
      j["fix"] = c.fix;
    }
    out.push_back(std::move(j));
  }
  return out;
}

Error refusal(const pki::CheckResult& check) {
  return Error{check.event, fmt::format("certificate refused ({}): {}", check.name, check.detail),
               check.fix};
}

void add_state_options(Command& command, StateOption& option) {
  auto state = command.option("--state", option.state,
                              "the node's state directory (holds pki/ and "
                              "machine-settings.toml)");
  auto config = command.option("--config", option.config,
                               "the node's configuration file; its [node] state_dir is used");
  state.excludes(config);
}

Result<ResolvedState> resolve_state(const StateOption& option) {
  if (!option.state.empty()) {
    return ResolvedState{pki::StatePaths{option.state}, std::nullopt};
  }
  if (option.config.empty()) {
    return fail("no state directory given", "pass --state DIR or --config FILE",
                EventId::command_line_invalid);
  }
  auto config = load_node_config(option.config);
  if (!config) return std::unexpected(config.error());
  return ResolvedState{pki::StatePaths{config->state_dir}, std::move(*config)};
}

}  // namespace outpost::cli

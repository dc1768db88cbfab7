// Shared by the subcommand files: how a subcommand hands back its action, how failures and
// check results are printed, and the --state/--config option pair.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/args.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "pki/checks.hpp"
#include "pki/stores.hpp"

namespace outpost::cli {

// Prints "outpost: <message> Fix: <fix>" (with the event id when there is one) to stderr and
// returns the exit code for a failure.
int report_failure(const Error& error);
void print_json(const nlohmann::json& value);
// Text a peer sent (a name an old gateway recorded, an alert's summary): core/text.hpp's
// clean_text, so it never moves the cursor or rewrites what the terminal shows.
[[nodiscard]] std::string shown(const std::string& text);
// "-" for an empty field of a table.
[[nodiscard]] inline std::string or_dash(const std::string& text) {
  return text.empty() ? "-" : text;
}

void print_checks(const std::vector<pki::CheckResult>& checks);
[[nodiscard]] nlohmann::json checks_json(const std::vector<pki::CheckResult>& checks);
// "certificate refused (event 20050): ..." as an Error for report_failure.
[[nodiscard]] Error refusal(const pki::CheckResult& check);

// --state DIR or --config FILE (whose [node] state_dir is used).
struct StateOption {
  std::string state;
  std::string config;
};
void add_state_options(Command& command, StateOption& option);
struct ResolvedState {
  pki::StatePaths paths;
  std::optional<NodeConfig> config;
};
[[nodiscard]] Result<ResolvedState> resolve_state(const StateOption& option);

}  // namespace outpost::cli

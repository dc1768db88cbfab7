// outpost cert verify --state DIR [--json]: re-runs every import check against what
// machine-settings.toml records and what the stores hold now.
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "pki/verify.hpp"

namespace outpost::cli {
namespace {

struct Options {
  StateOption state;
  bool json = false;
};

int run(const Options& o) {
  auto state = resolve_state(o.state);
  if (!state) return report_failure(state.error());
  std::optional<std::string> fqdn;
  if (state->config) fqdn = state->config->fqdn;
  const auto checks = pki::verify_channel_certificate(state->paths, fqdn, Clock::now());
  if (o.json) {
    print_json({{"state_dir", state->paths.root.string()},
                {"ok", pki::first_failure(checks) == nullptr},
                {"checks", checks_json(checks)}});
  } else {
    print_checks(checks);
  }
  if (const pki::CheckResult* first = pki::first_failure(checks)) {
    return report_failure(
        Error{first->event, fmt::format("{}: {}", first->name, first->detail), first->fix});
  }
  const bool warned = std::ranges::any_of(
      checks, [](const pki::CheckResult& c) { return c.verdict == pki::Verdict::warn; });
  if (!o.json) {
    std::cout << (warned ? "The channel certificate passes every check, with the warnings above.\n"
                         : "The channel certificate passes every check.\n");
  }
  return 0;
}

}  // namespace

void add_cert_verify(Command& cert, Action& action) {
  auto o = std::make_shared<Options>();
  auto cmd = cert.subcommand(
      "verify", "re-check the recorded channel certificate against the stores as they are now");
  add_state_options(cmd, o->state);
  cmd.flag("--json", o->json, "print the checks as JSON");
  cmd.runs(action, [o] { return run(*o); });
}

}  // namespace outpost::cli

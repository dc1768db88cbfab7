// outpost cert verify --state DIR [--json]: re-runs every import check against what
// machine-settings.toml records and what the stores hold now.
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.hpp"

namespace outpost::cli {
namespace {

struct Options {
  StateOption state;
  bool json = false;
};

int run(const Options& o) {
  auto state = resolve_state(o.state);
  if (!state) return report_failure(state.error());
  std::vector<pki::CheckResult> checks;
  auto channel = pki::load_channel_certificate(state->paths);
  if (!channel) {
    checks.push_back({"recorded certificate", pki::Verdict::fail, channel.error().event,
                      channel.error().message, channel.error().fix});
  } else {
    checks.push_back(
        {"recorded certificate",
         pki::Verdict::pass,
         EventId::none,
         fmt::format("{} is in the personal store as {}", channel->entry.certificate.subject(),
                     channel->entry.certificate_file.filename().string()),
         {}});
    const std::string fqdn = state->config ? state->config->fqdn : channel->settings.fqdn;
    const pki::TrustedStore trusted = pki::load_trusted(state->paths);
    auto rest = pki::check_channel_certificate({&channel->entry.certificate, channel->key.get(),
                                                channel->entry.intermediates, trusted.certificates,
                                                fqdn, Clock::now()});
    std::ranges::move(rest, std::back_inserter(checks));
  }
  if (o.json) {
    print_json({{"state_dir", state->paths.root.string()},
                {"ok", pki::first_failure(checks) == nullptr},
                {"checks", checks_json(checks)}});
  } else {
    print_checks(checks);
  }
  if (const pki::CheckResult* first = pki::first_failure(checks)) {
    return report_failure(
        Error{first->event, fmt::format("{}: {}.", first->name, first->detail), first->fix + "."});
  }
  if (!o.json) std::cout << "The channel certificate passes every check.\n";
  return 0;
}

}  // namespace

void add_cert_verify(CLI::App& cert, Action& action) {
  auto o = std::make_shared<Options>();
  auto* cmd = cert.add_subcommand(
      "verify", "re-check the recorded channel certificate against the stores as they are now");
  add_state_options(cmd, o->state);
  cmd->add_flag("--json", o->json, "print the checks as JSON");
  cmd->callback([o, &action] { action = [o] { return run(*o); }; });
}

}  // namespace outpost::cli

// outpost cert show --state DIR [--json]
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "pki/key.hpp"

namespace outpost::cli {
namespace {

struct Options {
  StateOption state;
  bool json = false;
};

std::string ekus_text(const pki::Certificate& c) {
  std::vector<std::string> names;
  for (const auto& oid : c.extended_key_usages())
    names.push_back(pki::eku_name(oid));
  return names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "));
}

int run(const Options& o) {
  auto state = resolve_state(o.state);
  if (!state) return report_failure(state.error());
  auto channel = pki::load_channel_certificate(state->paths);
  if (!channel) return report_failure(channel.error());
  const pki::Certificate& c = channel->entry.certificate;
  const TimePoint now = Clock::now();
  pki::TrustedStore trusted = pki::load_trusted(state->paths);
  const pki::CheckResult chain = pki::check_chain(
      {&c, channel->key.get(), channel->entry.intermediates, std::move(trusted.certificates),
       channel->settings.fqdn, now, std::move(trusted.problems)});
  const std::string chain_status = fmt::format(
      "{}: {}", chain.verdict == pki::Verdict::pass ? "OK" : "NOT TRUSTED", chain.detail);
  if (o.json) {
    std::vector<std::string> ekus = c.extended_key_usages();
    print_json({{"state_dir", state->paths.root.string()},
                {"fqdn", channel->settings.fqdn},
                {"subject", c.subject()},
                {"dns_names", c.dns_names()},
                {"issuer", c.issuer()},
                {"serial", c.serial_hex()},
                {"serial_reversed", channel->settings.serial_reversed},
                {"sha256", c.sha256_hex()},
                {"not_before", format_utc(c.not_before())},
                {"not_after", format_utc(c.not_after())},
                {"days_left", days_until(c.not_after(), now)},
                {"ekus", ekus},
                {"key", pki::key_description(c.public_key())},
                {"chain_trusted", chain.verdict == pki::Verdict::pass},
                {"chain", chain.detail},
                {"certificate_file", channel->entry.certificate_file.string()},
                {"imported_at", channel->settings.imported_at}});
    return 0;
  }
  const auto row = [](std::string_view label, const std::string& value) {
    std::cout << fmt::format("  {:<34} {}\n", label, value);
  };
  std::cout << fmt::format("Channel certificate of {} ({})\n", channel->settings.fqdn,
                           state->paths.root.string());
  row("Subject", c.subject());
  row("DNS names", fmt::format("{}", fmt::join(c.dns_names(), ", ")));
  row("Issuer", c.issuer());
  row("Serial (as the certificate shows)", c.serial_hex());
  row("Serial (recorded, byte-reversed)", channel->settings.serial_reversed);
  row("SHA-256", c.sha256_hex());
  row("Valid from", format_utc(c.not_before()));
  row("Valid until",
      fmt::format("{} ({} days left)", format_utc(c.not_after()), days_until(c.not_after(), now)));
  row("Extended key usage", ekus_text(c));
  row("Key", pki::key_description(c.public_key()));
  row("Chain", chain_status);
  row("File", channel->entry.certificate_file.string());
  row("Imported", channel->settings.imported_at);
  return 0;
}

}  // namespace

void add_cert_show(Command& cert, Action& action) {
  auto o = std::make_shared<Options>();
  auto cmd = cert.subcommand("show", "show the channel certificate this node uses");
  add_state_options(cmd, o->state);
  cmd.flag("--json", o->json, "print it as JSON");
  cmd.runs(action, [o] { return run(*o); });
}

}  // namespace outpost::cli

// outpost cert trust --state DIR FILE.pem
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/event_log.hpp"
#include "core/files.hpp"

namespace outpost::cli {
namespace {

struct Options {
  StateOption state;
  std::string file;
  bool json = false;
};

int run(const Options& o) {
  auto state = resolve_state(o.state);
  if (!state) return report_failure(state.error());
  auto pem = read_file(o.file);
  if (!pem) return report_failure(pem.error());
  auto added = pki::add_trusted(state->paths, *pem);
  if (!added) return report_failure(added.error());
  EventLog log(state->paths.root, "cert", Echo::none);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : *added) {
    (void)log.write(
        EventId::trusted_cert_added,
        fmt::format("Trusted CA certificate added: {} (SHA-256 {})", c.subject(), c.sha256_hex()),
        {{"subject", c.subject()}, {"sha256", c.sha256_hex()}});
    out.push_back({{"subject", c.subject()}, {"sha256", c.sha256_hex()}});
  }
  if (o.json) {
    print_json({{"added", out}});
    return 0;
  }
  if (added->empty()) {
    std::cout << "Already trusted; nothing added.\n";
  }
  for (const auto& c : *added) {
    std::cout << fmt::format("Trusted {} (SHA-256 {}, valid until {})\n", c.subject(),
                             c.sha256_hex(), format_utc(c.not_after()));
  }
  return 0;
}

}  // namespace

void add_cert_trust(Command& cert, Action& action) {
  auto o = std::make_shared<Options>();
  auto cmd = cert.subcommand("trust", "add a root or intermediate CA to the trusted store");
  add_state_options(cmd, o->state);
  cmd.option("file", o->file, "the CA certificate(s), PEM or DER").required();
  cmd.flag("--json", o->json, "print the result as JSON");
  cmd.runs(action, [o] { return run(*o); });
}

}  // namespace outpost::cli

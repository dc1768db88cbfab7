// outpost ca list --dir D [--json]
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "pki/ca.hpp"

namespace outpost::cli {
namespace {

struct Options {
  std::string dir;
  bool json = false;
};

int run(const Options& o) {
  auto ca = pki::CertificateAuthority::open(o.dir);
  if (!ca) return report_failure(ca.error());
  auto issued = ca->issued();
  if (!issued) return report_failure(issued.error());
  const TimePoint now = Clock::now();
  if (o.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : *issued) {
      out.push_back({{"serial", r.serial},
                     {"subject", r.subject},
                     {"dns_names", r.dns_names},
                     {"not_after", format_utc(r.not_after)},
                     {"issued_at", format_utc(r.issued_at)},
                     {"sha256", r.sha256},
                     {"expired", r.not_after < now}});
    }
    print_json(out);
    return 0;
  }
  std::cout << fmt::format("{:<38} {:<21} {:<10} {}\n", "SERIAL", "EXPIRES", "DAYS LEFT",
                           "SUBJECT");
  for (const auto& r : *issued) {
    std::cout << fmt::format("{:<38} {:<21} {:<10} {}\n", r.serial, format_utc(r.not_after),
                             days_until(r.not_after, now), r.subject);
  }
  std::cout << fmt::format("{} certificate(s) issued by {}\n", issued->size(),
                           ca->certificate().subject());
  return 0;
}

}  // namespace

void add_ca_list(Command& ca, Action& action) {
  auto o = std::make_shared<Options>();
  auto cmd = ca.subcommand("list", "list what the CA issued (serial, subject, expiry)");
  cmd.option("--dir", o->dir, "the CA folder").required();
  cmd.flag("--json", o->json, "print the list as JSON");
  cmd.runs(action, [o] { return run(*o); });
}

}  // namespace outpost::cli

// outpost audit --config SERVER.toml [--user U] [--target T] [--limit N] [--json]: the changes
// made through the console and the REST API (and every login, refused or not), newest first, from
// the operational database.
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/server_admin.hpp"
#include "storage/storage.hpp"

namespace outpost::cli {
namespace {

struct Options {
  std::string config;
  std::string user;
  std::string target;
  std::size_t limit = 100;
  bool json = false;
};

int run(const Options& o) {
  auto db = open_server_database(o.config);
  if (!db) return report_failure(db.error());
  storage::AuditQuery query;
  query.user = o.user;
  query.target = o.target;
  query.limit = o.limit;
  auto entries = (*db)->audit(query);
  if (!entries) return report_failure(entries.error());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : *entries) {
    if (o.json) {
      out.push_back({{"id", e.id},
                     {"at", format_utc(e.at)},
                     {"user", e.user},
                     {"address", e.address},
                     {"action", e.action},
                     {"target", e.target},
                     {"detail", e.detail},
                     {"ok", e.ok}});
    } else {
      std::cout << fmt::format("{}  {:<20} {:<16} {:<20} {:<28} {}{}\n", format_utc(e.at),
                               shown(e.user), shown(e.address), e.action, shown(or_dash(e.target)),
                               e.ok ? "" : "REFUSED ", shown(e.detail));
    }
  }
  if (o.json) print_json(out);
  if (!o.json && entries->empty()) std::cout << "The audit log is empty.\n";
  return 0;
}

}  // namespace

void add_audit(Command& app, Action& action) {
  auto o = std::make_shared<Options>();
  auto cmd = app.subcommand(
      "audit",
      "changes made through the console and the REST API, and logins: who, what, when, from where");
  cmd.option("--config", o->config, "the management server's configuration file").required();
  cmd.option("--user", o->user, "only this user's");
  cmd.option("--target", o->target, "only those about this computer, alert id or user");
  cmd.option("--limit", o->limit, "at most this many, the newest").range(1, 100000);
  cmd.flag("--json", o->json, "print as JSON");
  cmd.runs(action, [o] { return run(*o); });
}

}  // namespace outpost::cli

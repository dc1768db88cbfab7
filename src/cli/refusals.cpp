// outpost refusals --config SERVER.toml [--computer NAME] [--since T] [--limit N] [--json]: the
// connections the management group refused (its servers' own and those its gateways reported),
// one line per aggregate, newest first, each with what it means and the fix. Read from the
// operational database, so it works on any server of the group and while none runs.
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/names.hpp"
#include "doctor/refusal_advice.hpp"
#include "storage/storage.hpp"

namespace outpost::cli {
namespace {

struct Options {
  std::string config;
  std::string computer;
  std::string since;
  std::size_t limit = 1000;
  bool json = false;
};

std::string record_line(const RefusalRecord& r, const doctor::RefusalAdvice& advice) {
  const RefusalObservation& o = r.last;
  std::string presented = "no certificate";
  if (!o.certificate.empty()) {
    presented = fmt::format("certificate {} issued by {}, serial {}, SHA-256 {}…",
                            shown(o.certificate.subject), shown(o.certificate.issuer),
                            shown(o.certificate.serial), o.certificate.sha256.substr(0, 16));
  }
  return fmt::format(
      "{}  {} from {} at {}: {} time{} since {} ({} {}): {}; {}. Fix: {}.", format_utc(r.latest),
      shown(or_dash(o.key.identity)), shown(o.key.source), r.reporter, r.count,
      r.count == 1 ? "" : "s", format_utc(r.first), number(o.key.event),
      o.key.cause == Cause::rejected ? doctor::rejected_as(o) : cause_name(o.key.cause),
      shown(advice.cause), presented, shown(advice.fix));
}

int run(const Options& o) {
  auto config = load_node_config(o.config);
  if (!config) return report_failure(config.error());
  if (!config->database_url) {
    return report_failure(Error{EventId::command_line_invalid,
                                fmt::format("{} has no [database] url", o.config),
                                "pass the management server's configuration with --config"});
  }
  storage::RefusalQuery query;
  query.computer = o.computer.empty() ? "" : canonical_host_name(o.computer);
  query.limit = o.limit;
  if (!o.since.empty()) {
    auto since = parse_time(o.since, Clock::now());
    if (!since) {
      return report_failure(Error{EventId::command_line_invalid,
                                  fmt::format("--since '{}' is not a time", o.since),
                                  "use 2026-11-22T10:00:00Z, 2026-11-22, or 15m / 2h / 7d"});
    }
    query.since = *since;
  }
  auto db = storage::open_storage(*config->database_url);
  if (!db) return report_failure(db.error());
  auto records = (*db)->refusals(query);
  if (!records) return report_failure(records.error());
  auto drops = (*db)->refusal_drops();
  if (!drops) return report_failure(drops.error());
  nlohmann::json out{{"refusals", nlohmann::json::array()}, {"drops", nlohmann::json::array()}};
  for (const auto& r : *records) {
    const auto advice = doctor::advise_refusal(r, o.config, config->management_group);
    if (o.json) {
      out["refusals"].push_back(doctor::refusal_json(r, advice));
    } else {
      std::cout << record_line(r, advice) << '\n';
    }
  }
  for (const auto& d : *drops) {  // JSON: every reporter and when it last reported
    if (o.json) {
      out["drops"].push_back({{"reporter", d.reporter},
                              {"dropped", d.dropped},
                              {"evicted", d.evicted},
                              {"updated", format_utc(d.updated)}});
    } else if (d.dropped > 0 || d.evicted > 0) {
      std::cout << fmt::format(
          "Note: {} dropped {} refused-connection records beyond its [limits] refusal_records "
          "(the least recently refused), and the database removed {} more of its older ones.\n",
          d.reporter, d.dropped, d.evicted);
    }
  }
  if (o.json) {
    print_json(out);
  } else if (records->empty()) {
    std::cout << (query.computer.empty()
                      ? std::string("No refused connections recorded.\n")
                      : fmt::format("No refused connections of {} recorded.\n", query.computer));
  }
  return 0;
}

}  // namespace

void add_refusals(Command& app, Action& action) {
  auto o = std::make_shared<Options>();
  auto cmd = app.subcommand(
      "refusals", "the connections the management group refused: who, from where, why, the fix");
  cmd.option("--config", o->config, "the management server's configuration file").required();
  cmd.option("--computer", o->computer,
             "only the refusals of this computer (by the name it claimed or its certificate "
             "named), or those this gateway or server made");
  cmd.option("--since", o->since, "only refusals at or after this time (ISO 8601, or 15m/2h/7d)");
  cmd.option("--limit", o->limit, "at most this many, the newest").range(1, 100000);
  cmd.flag("--json", o->json, "print as JSON");
  cmd.runs(action, [o] { return run(*o); });
}

}  // namespace outpost::cli

// outpost perf --config SERVER.toml --computer C [--counter X] [--since T] [--json]: the
// performance samples a computer sent, from the operational database.
#include "cli/data_query.hpp"

#include <iostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/server_admin.hpp"

namespace outpost::cli {
namespace {

// Checked access: a stored payload of the wrong shape (stored before payloads were checked at
// ingest) prints what it holds instead of failing.
std::string text(const nlohmann::json& d, const char* key) {
  const auto it = d.find(key);
  if (it == d.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  return it->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string text_of(const nlohmann::json& item) {
  const auto it = item.find("data");
  if (it == item.end() || it->is_null()) return "(not JSON)";
  const auto& d = *it;
  if (!d.is_object()) return d.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  const std::string kind = text(item, "kind");
  if (kind == "sample") {
    std::string instance = text(d, "instance");
    return fmt::format("{:<28} {:<16} {} {}", text(d, "counter"), instance.empty() ? "-" : instance,
                       text(d, "value"), text(d, "unit"));
  }
  if (kind == "check") {
    return fmt::format("{:<20} {:<9} {}", text(d, "name"), text(d, "status"), text(d, "output"));
  }
  return fmt::format("{:<8} {:<24} {}", text(d, "level"), text(d, "source"), text(d, "message"));
}

struct PerfOptions {
  std::string config;
  std::string computer;
  std::string counter;
  std::string since;
  std::size_t limit = 1000;
  bool json = false;
};

}  // namespace

int print_data(const DataQuery& q) {
  nlohmann::json request{{"command", "data"},
                         {"computer", q.computer},
                         {"kind", q.kind},
                         {"name", q.name},
                         {"limit", q.limit}};
  if (q.since) {
    request["since_ms"] =
        std::chrono::duration_cast<std::chrono::milliseconds>(q.since->time_since_epoch()).count();
  }
  auto items = ask_management_server(q.config, request);
  if (!items) return report_failure(items.error());
  if (q.json) {
    print_json(*items);
    return 0;
  }
  if (!items->is_array()) {
    // Not a user error: a server of another Outpost version. 30074 says what to do about it.
    return report_failure(Error{EventId::alpn_refused,
                                "the management server's answer is not a list",
                                "check that the server runs the same Outpost version"});
  }
  for (const auto& item : *items) {
    if (!item.is_object()) continue;
    std::cout << fmt::format("{}  {:>8}  {}{}\n", text(item, "produced"), text(item, "seq"),
                             text_of(item), item.contains("invalid") ? "  [invalid]" : "");
  }
  return 0;
}

void add_perf(Command& app, Action& action) {
  auto o = std::make_shared<PerfOptions>();
  auto cmd = app.subcommand("perf", "performance samples a computer sent");
  cmd.option("--config", o->config, "the management server's configuration file").required();
  cmd.option("--computer", o->computer, "the computer's FQDN").required();
  cmd.option("--counter", o->counter, "only this counter (e.g. cpu.percent)");
  cmd.option("--since", o->since, "only samples at or after this time (ISO 8601, or 15m/2h/7d)");
  cmd.option("--limit", o->limit, "at most this many, the newest (default 1000)");
  cmd.flag("--json", o->json, "print as JSON");
  cmd.runs(action, [o] {
    DataQuery q{o->config, o->computer, "sample", o->counter, std::nullopt, o->limit, o->json};
    if (!o->since.empty()) {
      q.since = parse_time(o->since, Clock::now());
      if (!q.since) {
        return report_failure(Error{EventId::command_line_invalid,
                                    "--since '" + o->since + "' is not a time",
                                    "use 2026-11-22T10:00:00Z, 2026-11-22, or 15m / 2h / 7d"});
      }
    }
    return print_data(q);
  });
}

}  // namespace outpost::cli

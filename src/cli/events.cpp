// outpost events (--state DIR | --config FILE) [--id N] [--since T] [--json]: a node's event log;
// with --config SERVER.toml --computer C: the events that computer's agent sent (collected from
// its logs), from the operational database.
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/data_query.hpp"
#include "core/event_log.hpp"

namespace outpost::cli {
namespace {

struct Options {
  StateOption state;
  int id = 0;
  std::string since;
  std::string computer;
  std::size_t limit = 1000;
  bool json = false;
  bool catalogue = false;
};

int print_catalogue(bool json) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : event_catalogue()) {
    if (json) {
      out.push_back({{"id", number(e.id)},
                     {"level", level_name(e.level)},
                     {"text", e.text},
                     {"action", e.action}});
    } else {
      std::cout << fmt::format("{:>5}  {:<7}  {}\n", number(e.id), level_name(e.level), e.text);
    }
  }
  if (json) print_json(out);
  return 0;
}

int run(const Options& o) {
  if (o.catalogue) return print_catalogue(o.json);
  EventFilter filter;
  if (o.id != 0) filter.id = o.id;
  if (!o.since.empty()) {
    filter.since = parse_time(o.since, Clock::now());
    if (!filter.since) {
      return report_failure(Error{EventId::command_line_invalid,
                                  fmt::format("--since '{}' is not a time", o.since),
                                  "use 2026-11-22T10:00:00Z, 2026-11-22, or 15m / 2h / 7d"});
    }
  }
  if (!o.computer.empty()) {  // the events a computer's agent sent, from the server's database
    if (o.state.config.empty()) {
      return report_failure(Error{EventId::command_line_invalid,
                                  "--computer needs --config SERVER.toml",
                                  "pass the management server's configuration file"});
    }
    return print_data(
        DataQuery{o.state.config, o.computer, "event", "", filter.since, o.limit, o.json});
  }
  auto state = resolve_state(o.state);
  if (!state) return report_failure(state.error());
  if (!std::filesystem::is_directory(state->paths.root)) {
    return report_failure(Error{
        EventId::state_dir_missing,
        fmt::format("{} is not a state directory (it does not exist)", state->paths.root.string()),
        "pass the node's --state DIR or --config FILE"});
  }
  auto log = read_events(state->paths.root, filter);
  if (!log) return report_failure(log.error());
  for (const auto& problem : log->damaged_lines) {
    std::cerr << "outpost: warning: skipped a damaged line: " << problem << '\n';
  }
  if (o.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : log->events)
      out.push_back(to_json(e));
    print_json(out);
    return 0;
  }
  for (const auto& e : log->events)
    std::cout << format_event_line(e) << '\n';
  return 0;
}

}  // namespace

void add_events(Command& app, Action& action) {
  auto o = std::make_shared<Options>();
  auto cmd = app.subcommand("events", "read a node's event log");
  add_state_options(cmd, o->state);
  cmd.option("--id", o->id, "only this event id");
  cmd.option("--since", o->since, "only events at or after this time (ISO 8601, or 15m/2h/7d)");
  cmd.option("--computer", o->computer,
             "with a server's --config: the events this computer's agent sent");
  cmd.option("--limit", o->limit, "with --computer: at most this many, the newest")
      .range(1, 100000);
  cmd.flag("--catalogue", o->catalogue, "list every event id Outpost can write");
  cmd.flag("--json", o->json, "print as JSON");
  cmd.runs(action, [o] { return run(*o); });
}

}  // namespace outpost::cli

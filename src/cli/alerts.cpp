// outpost alerts list|show|ack|close and outpost maintenance start|stop|list, through the
// running management server's admin socket (or its database when it is not running). Exit
// status: 0 done (or already as asked), 1 refused or failed, 3 no such alert or nothing changed.
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/server_admin.hpp"

namespace outpost::cli {
namespace {

constexpr int kExitNothingChanged = 3;

struct Options {
  std::string config;
  int id = 0;
  std::string state;
  std::string severity;
  std::string computer;
  std::string gateway;
  std::string since;
  std::size_t limit = 1000;
  std::string comment;
  std::string reason;
  int minutes = 0;
  bool json = false;
};

// Who runs the command, for an alert's history: the user sudo was run by, else this user.
std::string operator_name() {
  if (const char* sudo = std::getenv("SUDO_USER"); sudo != nullptr && *sudo != '\0') return sudo;
  if (const passwd* pw = getpwuid(geteuid()); pw != nullptr) return pw->pw_name;
  return fmt::format("uid {}", geteuid());
}

void print_alerts(const nlohmann::json& alerts) {
  std::cout << fmt::format("{:>6} {:<9} {:<13} {:<28} {:<20} {:<21} {}\n", "ID", "SEVERITY",
                           "STATE", "COMPUTER", "MONITOR", "OPENED", "SUMMARY");
  for (const auto& a : alerts) {
    std::cout << fmt::format("{:>6} {:<9} {:<13} {:<28} {:<20} {:<21} {}\n", a.value("id", 0),
                             a.value("severity", ""), a.value("state", ""),
                             shown(a.value("computer", "")), a.value("monitor", ""),
                             a.value("opened", ""), shown(a.value("summary", "")));
  }
}

void print_alert(const nlohmann::json& a) {
  std::cout << fmt::format(
      "Alert {}: {} {} on {}\n  state:       {}{}\n  summary:     {}\n  opened:      {}\n"
      "  last seen:   {} (repeated {} times)\n  ended:       {}\n  cause lasts: {}\n",
      a.value("id", 0), a.value("severity", ""), a.value("monitor", ""),
      shown(a.value("computer", "")), a.value("state", ""),
      a.value("owner", "").empty() ? std::string()
                                   : fmt::format(" by {} ({})", shown(a.value("owner", "")),
                                                 shown(or_dash(a.value("comment", "")))),
      shown(a.value("summary", "")), a.value("opened", ""), a.value("last_seen", ""),
      a.value("repeat_count", 0), or_dash(a.value("ended", "")),
      a.value("cause_lasts", false) ? "yes" : "no");
  std::cout << "  history:\n";
  for (const auto& h : a.value("history", nlohmann::json::array())) {
    std::cout << fmt::format("    {}  {:<12} by {}: {}\n", h.value("at", ""), h.value("change", ""),
                             shown(h.value("by", "")), shown(h.value("detail", "")));
  }
}

void print_notifications(const nlohmann::json& rows) {
  std::cout << fmt::format("{:>6} {:<9} {:<16} {:<10} {:<9} {:>8} {:<21} {}\n", "ALERT", "EVENT",
                           "SUBSCRIPTION", "STATE", "ATTEMPTS", "REPEAT", "DONE", "RESULT");
  for (const auto& n : rows) {
    std::cout << fmt::format("{:>6} {:<9} {:<16} {:<10} {:<9} {:>8} {:<21} {}\n",
                             n.value("alert", 0), n.value("notification", ""),
                             n.value("subscription", ""), n.value("state", ""),
                             n.value("attempts", 0), n.value("repeat", 0),
                             or_dash(n.value("done", "")), shown(or_dash(n.value("result", ""))));
  }
}

void print_windows(const nlohmann::json& windows) {
  std::cout << fmt::format("{:<40} {:<21} {:<16} {}\n", "COMPUTER", "UNTIL", "BY", "REASON");
  for (const auto& w : windows) {
    std::cout << fmt::format("{:<40} {:<21} {:<16} {}\n", shown(w.value("computer", "")),
                             w.value("until", ""), shown(w.value("by", "")),
                             shown(or_dash(w.value("reason", ""))));
  }
}

// Sends the request; prints the answer with `print` when it is data, else its message.
int run(const Options& o, const nlohmann::json& request,
        void (*print)(const nlohmann::json&) = nullptr) {
  auto result = ask_management_server(o.config, request);
  if (!result) {
    const int code = report_failure(result.error());
    return result.error().event == EventId::admin_no_change ? kExitNothingChanged : code;
  }
  if (o.json) {
    print_json(*result);
  } else if (print != nullptr) {
    print(*result);
  } else {
    std::cout << result->value("message", "") << '\n';
  }
  return 0;
}

int list(const Options& o) {
  nlohmann::json request{{"command", "alerts.list"}, {"limit", o.limit}};
  if (!o.state.empty()) request["state"] = o.state;
  if (!o.severity.empty()) request["severity"] = o.severity;
  if (!o.computer.empty()) request["computer"] = o.computer;
  if (!o.since.empty()) {
    const auto since = parse_time(o.since, Clock::now());
    if (!since) {
      return report_failure(Error{EventId::command_line_invalid,
                                  "--since '" + o.since + "' is not a time",
                                  "use 2026-11-22T10:00:00Z, 2026-11-22, or 15m / 2h / 7d"});
    }
    request["since_ms"] =
        std::chrono::duration_cast<std::chrono::milliseconds>(since->time_since_epoch()).count();
  }
  return run(o, request, print_alerts);
}

int change(const Options& o, const std::string& command) {
  return run(o,
             {{"command", command}, {"id", o.id}, {"by", operator_name()}, {"comment", o.comment}});
}

// The computer a maintenance command names: --computer, or --gateway with its agents.
nlohmann::json with_target(const Options& o, nlohmann::json request) {
  if (!o.gateway.empty()) {
    request["gateway"] = o.gateway;
  } else {
    request["fqdn"] = o.computer;
  }
  return request;
}

Command with_config(Command cmd, Options& o) {
  cmd.option("--config", o.config, "the management server's configuration file").required();
  return cmd;
}

void add_target(Command cmd, Options& o) {
  auto computer = cmd.option("--computer", o.computer, "the computer's FQDN");
  auto gateway =
      cmd.option("--gateway", o.gateway, "a gateway and every agent connected through it");
  computer.excludes(gateway);
}

// Requires --computer or --gateway, then runs `what`.
void on_target(Command cmd, const std::shared_ptr<Options>& o, Action& action,
               std::function<int()> what) {
  cmd.on_parsed([o, &action, what] {
    if (o->computer.empty() && o->gateway.empty()) missing_option("--computer");
    action = what;
  });
}

}  // namespace

void add_alerts(Command& app, Action& action) {
  auto o = std::make_shared<Options>();
  auto alerts = app.subcommand("alerts", "the management group's alerts");
  alerts.require_subcommand(1, 1);

  auto list_cmd = with_config(alerts.subcommand("list", "list alerts, newest first"), *o);
  list_cmd
      .option("--state", o->state,
              "open, acknowledged, resolved, closed or all (default: "
              "open and acknowledged)")
      .one_of({"open", "acknowledged", "resolved", "closed", "all"});
  list_cmd.option("--severity", o->severity, "warning or critical").one_of({"warning", "critical"});
  list_cmd.option("--computer", o->computer, "only this computer's");
  list_cmd.option("--since", o->since, "opened at or after this time (ISO 8601, or 15m/2h/7d)");
  list_cmd.option("--limit", o->limit, "at most this many (default 1000)").range(1, 100000);
  list_cmd.flag("--json", o->json, "print as JSON");
  list_cmd.runs(action, [o] { return list(*o); });

  auto show = with_config(alerts.subcommand("show", "one alert with its history"), *o);
  show.option("id", o->id, "the alert's id").required();
  show.flag("--json", o->json, "print as JSON");
  show.runs(action, [o] {
    return run(*o, {{"command", "alerts.show"}, {"id", o->id}}, print_alert);
  });

  auto ack = with_config(alerts.subcommand("ack", "acknowledge an alert (you own it)"), *o);
  ack.option("id", o->id, "the alert's id").required();
  ack.option("--comment", o->comment, "why, or what is being done");
  ack.flag("--json", o->json, "print as JSON");
  ack.runs(action, [o] { return change(*o, "alerts.ack"); });

  auto close =
      with_config(alerts.subcommand("close",
                                    "close an alert by hand (none opens again for the same "
                                    "monitor until it is healthy)"),
                  *o);
  close.option("id", o->id, "the alert's id").required();
  close.option("--comment", o->comment, "why");
  close.flag("--json", o->json, "print as JSON");
  close.runs(action, [o] { return change(*o, "alerts.close"); });

  auto sent = with_config(
      alerts.subcommand("notifications", "what was notified, when, and the result"), *o);
  sent.option("--alert", o->id, "only this alert's");
  sent.option("--limit", o->limit, "at most this many, newest first (default 1000)")
      .range(1, 100000);
  sent.flag("--json", o->json, "print as JSON");
  sent.runs(action, [o] {
    return run(*o, {{"command", "alerts.notifications"}, {"id", o->id}, {"limit", o->limit}},
               print_notifications);
  });
}

void add_maintenance(Command& app, Action& action) {
  auto o = std::make_shared<Options>();
  auto maintenance = app.subcommand("maintenance", "maintenance mode: no alerts for a computer");
  maintenance.require_subcommand(1, 1);

  auto start =
      with_config(maintenance.subcommand("start", "put a computer in maintenance mode"), *o);
  add_target(start, *o);
  start.option("--minutes", o->minutes, "how long, in minutes").required();
  start.option("--reason", o->reason, "why (shown in maintenance list)");
  start.flag("--json", o->json, "print as JSON");
  on_target(start, o, action, [o] {
    return run(*o, with_target(*o, {{"command", "maintenance.start"},
                                    {"minutes", o->minutes},
                                    {"reason", o->reason},
                                    {"by", operator_name()}}));
  });

  auto stop = with_config(maintenance.subcommand("stop", "end a computer's maintenance mode"), *o);
  add_target(stop, *o);
  stop.flag("--json", o->json, "print as JSON");
  on_target(stop, o, action, [o] {
    return run(*o, with_target(*o, {{"command", "maintenance.stop"}}));
  });

  auto list_cmd =
      with_config(maintenance.subcommand("list", "the computers in maintenance mode"), *o);
  list_cmd.flag("--json", o->json, "print as JSON");
  list_cmd.runs(action, [o] { return run(*o, {{"command", "maintenance.list"}}, print_windows); });
}

}  // namespace outpost::cli

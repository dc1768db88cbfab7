#include "server/alert_commands.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/names.hpp"
#include "net/admin_socket.hpp"
#include "server/admin_rules.hpp"

namespace outpost::server {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxText = 1000;  // an owner's name or a comment, a maintenance reason

std::string when(const std::optional<TimePoint>& t) {
  return t ? format_utc(*t) : "";
}

TimePoint from_ms(std::int64_t ms) {
  return TimePoint(std::chrono::milliseconds(ms));
}

json alert_json(const storage::Alert& a) {
  return {{"id", a.id},
          {"computer", a.computer},
          {"monitor", a.monitor},
          {"severity", storage::severity_name(a.severity)},
          {"state", storage::alert_state_name(a.state)},
          {"summary", a.summary},
          {"opened", format_utc(a.opened)},
          {"last_seen", format_utc(a.last_seen)},
          {"ended", when(a.ended)},
          {"cause_lasts", a.active},
          {"repeat_count", a.repeat_count},
          {"owner", a.owner},
          {"comment", a.comment}};
}

Error usage(std::string message, std::string fix) {
  return Error{EventId::command_line_invalid, std::move(message), std::move(fix)};
}

Result<std::string> bounded_text(const json& request, const char* key) {
  const json value = request.value(key, json(""));
  if (!value.is_string()) return std::unexpected(usage(fmt::format("{} must be text", key), ""));
  const auto text = value.get<std::string>();
  if (text.size() > kMaxText) {
    return std::unexpected(
        usage(fmt::format("{} is longer than {} bytes", key, kMaxText), "shorten it"));
  }
  return text;
}

json list(storage::Storage& db, const json& request) {
  storage::AlertQuery query;
  const std::string state = request.value("state", "");
  if (state.empty()) {
    query.unresolved_only = true;
  } else if (state != "all") {
    query.state = storage::alert_state_from_name(state);
    if (!query.state) {
      return net::admin_error(usage(fmt::format("'{}' is not an alert state", state),
                                    "use open, acknowledged, resolved, closed or all"));
    }
  }
  if (const std::string severity = request.value("severity", ""); !severity.empty()) {
    query.severity = storage::severity_from_name(severity);
    if (!query.severity) {
      return net::admin_error(
          usage(fmt::format("'{}' is not a severity", severity), "use warning or critical"));
    }
  }
  query.computer = canonical_host_name(request.value("computer", ""));
  if (request.contains("since_ms"))
    query.since = from_ms(request.value("since_ms", std::int64_t{0}));
  query.limit = std::clamp<std::size_t>(request.value("limit", std::size_t{1000}), 1, 100000);
  auto alerts = db.alerts(query);
  if (!alerts) return net::admin_error(alerts.error());
  json out = json::array();
  for (const auto& a : *alerts)
    out.push_back(alert_json(a));
  return net::admin_ok(std::move(out));
}

Result<std::int64_t> requested_id(const json& request) {
  const json id = request.value("id", json());
  if (!id.is_number_integer() || id.get<std::int64_t>() <= 0) {
    return std::unexpected(usage("an alert id is needed", "take it from outpost alerts list"));
  }
  return id.get<std::int64_t>();
}

Error unknown_alert(std::int64_t id) {
  return Error{EventId::admin_no_change, fmt::format("there is no alert {}", id),
               "take the id from outpost alerts list --state all"};
}

json show(storage::Storage& db, const json& request) {
  auto id = requested_id(request);
  if (!id) return net::admin_error(id.error());
  auto alert = db.alert(*id);
  if (!alert) return net::admin_error(alert.error());
  if (!*alert) return net::admin_error(unknown_alert(*id));
  auto history = db.alert_history(*id);
  if (!history) return net::admin_error(history.error());
  json out = alert_json(**alert);
  out["history"] = json::array();
  for (const auto& h : *history) {
    out["history"].push_back(
        {{"at", format_utc(h.at)}, {"by", h.actor}, {"change", h.change}, {"detail", h.detail}});
  }
  return net::admin_ok(std::move(out));
}

json change_state(storage::Storage& db, const json& request, storage::AlertState state) {
  auto id = requested_id(request);
  if (!id) return net::admin_error(id.error());
  auto by = bounded_text(request, "by");
  if (!by) return net::admin_error(by.error());
  auto comment = bounded_text(request, "comment");
  if (!comment) return net::admin_error(comment.error());
  const std::string who = by->empty() ? "operator" : *by;
  auto before = db.alert(*id);
  if (!before) return net::admin_error(before.error());
  if (!*before) return net::admin_error(unknown_alert(*id));
  auto after = db.set_alert_state(*id, state, who, *comment, Clock::now());
  if (!after) return net::admin_error(after.error());
  if (!*after) return net::admin_error(unknown_alert(*id));
  const auto& a = **after;
  const std::string verb = state == storage::AlertState::closed ? "closed" : "acknowledged";
  if ((*before)->state == a.state || a.state != state) {
    return no_change(
        fmt::format("Alert {} is {}; nothing changed.", a.id, storage::alert_state_name(a.state)),
        "", true);
  }
  json result = {{"message", fmt::format("Alert {} ({} on {}) {} by {}.", a.id, a.monitor,
                                         a.computer, verb, who)},
                 {"event", number(EventId::alert_changed_by_hand)},
                 {"alert", alert_json(a)}};
  return net::admin_ok(std::move(result));
}

json notifications(storage::Storage& db, const json& request) {
  const auto alert_id = request.value("id", std::int64_t{0});
  const auto limit = std::clamp<std::size_t>(request.value("limit", std::size_t{1000}), 1, 100000);
  auto rows = db.notifications(alert_id, limit);
  if (!rows) return net::admin_error(rows.error());
  json out = json::array();
  for (const auto& n : *rows) {
    out.push_back({{"id", n.id},
                   {"alert", n.alert_id},
                   {"computer", n.alert.computer},
                   {"monitor", n.alert.monitor},
                   {"subscription", n.subscription},
                   {"notification", n.event},
                   {"repeat", n.seq},
                   {"due", format_utc(n.due)},
                   {"state", storage::delivery_state_name(n.state)},
                   {"attempts", n.attempts},
                   {"result", n.last_error},
                   {"done", when(n.done)}});
  }
  return net::admin_ok(std::move(out));
}

// The computers a maintenance command is about: "fqdn", or "gateway" with every agent
// connected through it now.
Result<std::vector<std::string>> maintenance_targets(storage::Storage& db, const json& request) {
  if (request.contains("gateway")) {
    json named{{"fqdn", request.value("gateway", "")}};
    auto gateway = requested_fqdn(named, "gateway");
    if (!gateway) return std::unexpected(gateway.error());
    auto all = db.computers();
    if (!all) return std::unexpected(all.error());
    const auto it = std::ranges::find_if(*all, [&](const auto& c) { return c.fqdn == *gateway; });
    if (it == all->end() || it->role != storage::Role::gateway) {
      return std::unexpected(
          Error{EventId::computer_unknown,
                fmt::format("{} is not a gateway of this management group", *gateway),
                "check the name with outpost gateway list"});
    }
    std::vector<std::string> out{*gateway};
    for (const auto& c : *all) {
      if (c.role == storage::Role::agent && c.parent == *gateway) out.push_back(c.fqdn);
    }
    return out;
  }
  auto fqdn = requested_fqdn(request, "computer");
  if (!fqdn) return std::unexpected(fqdn.error());
  auto known = db.computer(*fqdn);
  if (!known) return std::unexpected(known.error());
  if (!*known) {
    return std::unexpected(
        Error{EventId::computer_unknown,
              fmt::format("the management group knows no computer named '{}'", *fqdn),
              "check the spelling against outpost inventory --config SERVER.toml"});
  }
  return std::vector<std::string>{*fqdn};
}

json start_maintenance(storage::Storage& db, const json& request) {
  auto targets = maintenance_targets(db, request);
  if (!targets) return net::admin_error(targets.error());
  const auto minutes = request.value("minutes", std::int64_t{0});
  if (minutes < 1 || minutes > std::int64_t{60} * 24 * 366) {
    return net::admin_error(
        usage("the maintenance needs a duration of 1 minute to 366 days", "pass --minutes N"));
  }
  auto reason = bounded_text(request, "reason");
  if (!reason) return net::admin_error(reason.error());
  auto by = bounded_text(request, "by");
  if (!by) return net::admin_error(by.error());
  const auto now = Clock::now();
  const auto until = now + std::chrono::minutes(minutes);
  for (const auto& computer : *targets) {
    if (auto ok =
            db.start_maintenance({computer, now, until, *reason, by->empty() ? "operator" : *by});
        !ok) {
      return net::admin_error(ok.error());
    }
  }
  std::string names;
  for (const auto& t : *targets)
    names += (names.empty() ? "" : ", ") + t;
  return net::admin_ok(
      {{"message", fmt::format("In maintenance until {}: {}.", format_utc(until), names)},
       {"event", number(EventId::maintenance_changed)},
       {"computers", *targets}});
}

json stop_maintenance(storage::Storage& db, const json& request) {
  auto targets = maintenance_targets(db, request);
  if (!targets) return net::admin_error(targets.error());
  std::string names;
  for (const auto& computer : *targets) {
    auto stopped = db.stop_maintenance(computer);
    if (!stopped) return net::admin_error(stopped.error());
    if (*stopped) names += (names.empty() ? "" : ", ") + computer;
  }
  if (names.empty())
    return no_change("None of them was in maintenance; nothing changed.", "", true);
  return net::admin_ok({{"message", fmt::format("Out of maintenance: {}.", names)},
                        {"event", number(EventId::maintenance_changed)}});
}

json list_maintenance(storage::Storage& db) {
  auto windows = db.maintenance_windows(Clock::now());
  if (!windows) return net::admin_error(windows.error());
  json out = json::array();
  for (const auto& w : *windows) {
    out.push_back({{"computer", w.computer},
                   {"started", format_utc(w.started)},
                   {"until", format_utc(w.until)},
                   {"reason", w.reason},
                   {"by", w.by}});
  }
  return net::admin_ok(std::move(out));
}

}  // namespace

std::optional<json> alert_command(storage::Storage& db, const std::string& command,
                                  const json& request) {
  if (command == "alerts.list") return list(db, request);
  if (command == "alerts.show") return show(db, request);
  if (command == "alerts.ack") return change_state(db, request, storage::AlertState::acknowledged);
  if (command == "alerts.close") return change_state(db, request, storage::AlertState::closed);
  if (command == "alerts.notifications") return notifications(db, request);
  if (command == "maintenance.start") return start_maintenance(db, request);
  if (command == "maintenance.stop") return stop_maintenance(db, request);
  if (command == "maintenance.list") return list_maintenance(db);
  return std::nullopt;
}

std::string_view rolled_up_health(Health heartbeat, std::optional<storage::Severity> worst,
                                  bool in_maintenance) {
  if (heartbeat == Health::not_approved || heartbeat == Health::unknown) {
    return health_name(heartbeat);
  }
  if (in_maintenance) return "maintenance";
  if (heartbeat != Health::healthy) return health_name(heartbeat);
  if (worst) return storage::severity_name(*worst);
  return "healthy";
}

std::map<std::string, storage::Severity> worst_monitors(const std::vector<storage::Alert>& active) {
  std::map<std::string, storage::Severity> worst;
  for (const auto& a : active) {
    auto [it, inserted] = worst.try_emplace(a.computer, a.severity);
    if (!inserted && a.severity == storage::Severity::critical) it->second = a.severity;
  }
  return worst;
}

}  // namespace outpost::server

#include "server/admin_commands.hpp"

#include <fmt/format.h>

#include "core/names.hpp"
#include "net/admin_socket.hpp"
#include "server/admin_rules.hpp"
#include "server/alert_commands.hpp"
#include "server/configuration_service.hpp"
#include "server/health.hpp"
#include "storage/item_payload.hpp"

namespace outpost::server {
namespace {

using nlohmann::json;

std::string when(const std::optional<TimePoint>& t) {
  return t ? format_utc(*t) : "";
}

json computer_json(const storage::Computer& c) {
  return {{"fqdn", c.fqdn},
          {"role", storage::role_name(c.role)},
          {"approval", storage::approval_name(c.approval)},
          {"server_initiates", c.server_initiates},
          {"address", c.address},
          {"first_seen", format_utc(c.first_seen)}};
}

json list(storage::Storage& db, std::optional<storage::Role> role,
          std::optional<storage::Approval> approval) {
  auto all = db.computers();
  if (!all) return net::admin_error(all.error());
  json out = json::array();
  for (const auto& c : *all) {
    if ((role && c.role != *role) || (approval && c.approval != *approval)) continue;
    out.push_back(computer_json(c));
  }
  return net::admin_ok(std::move(out));
}

json approve_gateway(storage::Storage& db, const NodeConfig& config, const json& request) {
  auto fqdn = requested_fqdn(request, "gateway");
  if (!fqdn) return net::admin_error(fqdn.error());
  const bool server_initiates = request.value("server_initiates", false);
  const std::string address = request.value("address", "");
  if (server_initiates && !parse_endpoint(address)) {
    return net::admin_error(Error{EventId::command_line_invalid,
                                  "--server-initiates needs --address HOST:PORT",
                                  "give the address the management server dials the gateway on"});
  }
  auto known = db.computer(*fqdn);
  if (!known) return net::admin_error(known.error());
  auto old_role = gateway_role_change(config, *known, *fqdn, request.value("change_role", false));
  if (!old_role) return net::admin_error(old_role.error());
  std::string rebound;  // --rebind: a renewed key; the key the gateway connects with next is bound
  bool unbound_now = false;
  if (request.value("rebind", false)) {
    auto unbound = db.unbind_gateway_key(*fqdn);
    if (!unbound) return net::admin_error(unbound.error());
    unbound_now = *unbound;
    rebound = *unbound ? " Its key binding was cleared: the key it connects with next is bound."
                       : " It had no key bound yet.";
  }
  if (*known && (*known)->role == storage::Role::gateway &&
      (*known)->server_initiates == server_initiates && (*known)->address == address) {
    if (unbound_now) {
      return net::admin_ok(
          {{"message", fmt::format("Gateway {} stays approved.{}", *fqdn, rebound)}});
    }
    return no_change(fmt::format("Gateway {} was already approved (with these settings); "
                                 "nothing changed.{}",
                                 *fqdn, rebound),
                     "", true);
  }
  if (auto ok = db.approve_gateway(*fqdn, server_initiates, address); !ok) {
    return net::admin_error(ok.error());
  }
  if (*old_role) {
    return changed_with_event(
        fmt::format("The approval of server {} completed successfully.", *fqdn),
        EventId::role_changed,
        fmt::format("{} was {}; it is now a gateway (--change-role). Until its own "
                    "configuration is a gateway's it is refused as {}.",
                    *fqdn, role_with_article(**old_role), role_with_article(**old_role)));
  }
  return net::admin_ok({{"message", fmt::format("The approval of server {} completed "
                                                "successfully.{}",
                                                *fqdn, rebound)}});
}

json remove_gateway(storage::Storage& db, const json& request) {
  auto fqdn = requested_fqdn(request, "gateway");
  if (!fqdn) return net::admin_error(fqdn.error());
  auto known = db.computer(*fqdn);
  if (!known) return net::admin_error(known.error());
  if (*known && (*known)->role != storage::Role::gateway) {
    return wrong_role(**known, storage::Role::gateway,
                      "check the name; an agent is removed with outpost agent reject or forget");
  }
  auto removed = db.remove_gateway(*fqdn);
  if (!removed) return net::admin_error(removed.error());
  if (!*removed) {
    return no_change(fmt::format("{} is not a known gateway; nothing was removed", *fqdn),
                     "check the name with outpost gateway list", false);
  }
  return net::admin_ok({{"message", fmt::format("The removal of server {} from the management "
                                                "group completed successfully.",
                                                *fqdn)}});
}

// agent approve (host names only) and agent reject (any stored name, so junk can be rejected).
json set_agent(storage::Storage& db, const json& request, storage::Approval approval) {
  auto fqdn = approval == storage::Approval::approved ? requested_fqdn(request, "agent")
                                                      : requested_row_name(request);
  if (!fqdn) return net::admin_error(fqdn.error());
  const std::string name = shown_name(*fqdn);
  auto known = db.computer(*fqdn);
  if (!known) return net::admin_error(known.error());
  if (!*known) {
    return no_change(fmt::format("{} is not a known agent; nothing changed", name),
                     "check the name with outpost agent list; an agent is known once it has "
                     "connected",
                     false);
  }
  if ((*known)->role != storage::Role::agent) {
    return wrong_role(**known, storage::Role::agent,
                      "check the name; gateways are approved and removed with outpost gateway");
  }
  if ((*known)->approval == approval) {
    return no_change(fmt::format("Agent {} was already {}; nothing changed.", name,
                                 storage::approval_name(approval)),
                     "", true);
  }
  auto changed = db.set_agent_approval(*fqdn, approval);
  if (!changed) return net::admin_error(changed.error());
  return net::admin_ok(
      {{"message", fmt::format("Agent {} is now {}.", name, storage::approval_name(approval))}});
}

// agent forget: deletes a pending or rejected agent's row (any stored name).
json forget_agent(storage::Storage& db, const json& request) {
  auto fqdn = requested_row_name(request);
  if (!fqdn) return net::admin_error(fqdn.error());
  const std::string name = shown_name(*fqdn);
  auto known = db.computer(*fqdn);
  if (!known) return net::admin_error(known.error());
  if (!*known) {
    return no_change(fmt::format("{} is not a known agent; nothing was forgotten", name),
                     "check the name with outpost agent list --json", false);
  }
  if ((*known)->role != storage::Role::agent) {
    return wrong_role(**known, storage::Role::agent,
                      "check the name; a gateway is removed with outpost gateway remove");
  }
  if ((*known)->approval == storage::Approval::approved) {
    return net::admin_error(Error{
        EventId::none,
        fmt::format("agent {} is approved; only a pending or rejected agent is forgotten", name),
        fmt::format("reject it first (outpost agent reject --agent {} --config ...), then "
                    "forget it",
                    name)});
  }
  auto forgotten = db.forget_agent(*fqdn);
  if (!forgotten) return net::admin_error(forgotten.error());
  if (!*forgotten) {  // approved or deleted meanwhile (another server, another operator)
    return no_change(fmt::format("{} changed meanwhile; nothing was forgotten", name),
                     "look again with outpost agent list", false);
  }
  return changed_with_event(
      fmt::format("Agent {} ({}) is forgotten: its row was deleted. If it connects again it is "
                  "treated as new (admission policy).",
                  name, storage::approval_name((*known)->approval)),
      EventId::pending_forgotten);
}

// The management server a computer reaches the group through: up its chain of parents.
std::string reaches_through(const std::string& fqdn,
                            const std::map<std::string, const storage::Computer*>& by_name) {
  std::string at = fqdn;
  for (int hop = 0; hop < 16; ++hop) {
    const auto it = by_name.find(at);
    if (it == by_name.end()) return "";
    if (it->second->role == storage::Role::management_server) return at;
    at = it->second->parent;
  }
  return "";
}

// A stored item as the data query answers it. Rows stored before payloads were checked at ingest
// may not have their kind's shape (or be JSON at all): they are answered with "invalid" saying
// why, and "data" null when the payload is not JSON; never an answer that is not JSON.
json item_json(const storage::StoredItem& r) {
  json out{{"computer", r.origin},
           {"seq", r.seq},
           {"produced", format_utc(TimePoint(std::chrono::milliseconds(r.produced_ms)), true)},
           {"kind", storage::kind_name(r.kind)},
           {"name", r.name}};
  json data = json::parse(r.payload, nullptr, false);
  if (data.is_discarded()) data = nullptr;
  if (auto checked = storage::check_item_payload(r.kind, r.payload); !checked) {
    out["invalid"] = checked.error().describe();
  }
  out["data"] = std::move(data);
  return out;
}

// {"command": "data", "computer", "kind", "name", "since_ms", "limit"}: stored items, oldest
// first, each with its JSON payload.
json query_data(storage::Storage& db, const json& request) {
  storage::ItemQuery query;
  query.origin = canonical_host_name(request.value("computer", ""));
  if (const std::string kind = request.value("kind", ""); !kind.empty()) {
    query.kind = storage::kind_from_name(kind);
    if (!query.kind) {
      return net::admin_error(
          Error{EventId::none, "'" + kind + "' is not a kind of data", "event, sample or check"});
    }
  }
  if (auto name = request.value("name", ""); !name.empty()) query.names = {name};
  if (request.contains("since_ms")) {
    query.since = TimePoint(std::chrono::milliseconds(request.value("since_ms", std::int64_t{0})));
  }
  query.limit = std::clamp<std::size_t>(request.value("limit", std::size_t{1000}), 1, 100000);
  auto rows = db.items(query);
  if (!rows) return net::admin_error(rows.error());
  if (rows->empty() && !query.origin.empty()) {  // nothing: say so when the name is unknown
    auto known = db.computer(query.origin);
    if (!known) return net::admin_error(known.error());
    if (!*known) {
      return net::admin_error(
          Error{EventId::computer_unknown,
                fmt::format("the management group knows no computer named '{}'", query.origin),
                "check the spelling against outpost inventory --config SERVER.toml"});
    }
  }
  json out = json::array();
  for (const auto& r : *rows)
    out.push_back(item_json(r));
  return net::admin_ok(std::move(out));
}

}  // namespace

// The worst latest check result per computer: critical, warning, unknown, ok; "" without checks.
std::map<std::string, std::string> worst_checks(const std::vector<storage::CheckState>& states) {
  const auto rank = [](const std::string& status) {
    if (status == "critical") return 4;
    if (status == "warning") return 3;
    if (status == "unknown") return 2;
    return 1;
  };
  std::map<std::string, std::string> worst;
  for (const auto& c : states) {
    auto& w = worst[c.origin];
    if (w.empty() || rank(c.status) > rank(w)) w = c.status;
  }
  return worst;
}

Result<json> inventory_json(storage::Storage& db, const NodeConfig& config) {
  auto all = db.computers();
  if (!all) return std::unexpected(all.error());
  auto checks = db.check_states();
  if (!checks) return std::unexpected(checks.error());
  const auto worst = worst_checks(*checks);
  const auto now = Clock::now();
  const auto health =
      health_of_all(*all, {config.heartbeat_interval_s, config.heartbeat_missed_allowed}, now);
  storage::AlertQuery active_alerts;
  active_alerts.active_only = true;
  active_alerts.limit = 1000000;
  auto active = db.alerts(active_alerts);
  if (!active) return std::unexpected(active.error());
  const auto monitors = worst_monitors(*active);
  auto windows = db.maintenance_windows(now);
  if (!windows) return std::unexpected(windows.error());
  std::map<std::string, TimePoint> maintenance;
  for (const auto& w : *windows)
    maintenance[w.computer] = w.until;
  std::map<std::string, const storage::Computer*> by_name;
  for (const auto& c : *all)
    by_name[c.fqdn] = &c;
  json out = json::array();
  for (const auto& c : *all) {
    out.push_back(
        {{"fqdn", c.fqdn},
         {"management_server", reaches_through(c.fqdn, by_name)},
         {"role", storage::role_name(c.role)},
         {"health", rolled_up_health(health.at(c.fqdn),
                                     monitors.contains(c.fqdn) ? std::optional(monitors.at(c.fqdn))
                                                               : std::nullopt,
                                     maintenance.contains(c.fqdn))},
         {"heartbeat", health_name(health.at(c.fqdn))},
         {"maintenance_until",
          maintenance.contains(c.fqdn) ? format_utc(maintenance.at(c.fqdn)) : ""},
         {"parent", c.parent},
         {"approval", storage::approval_name(c.approval)},
         {"last_heartbeat", when(c.last_heartbeat)},
         {"cert_not_after", when(c.certificate_not_after)},
         {"checks", worst.contains(c.fqdn) ? worst.at(c.fqdn) : ""}});
  }
  return out;
}

json run_admin_command(storage::Storage& db, const NodeConfig& config, const json& request,
                       EventLog* log) {
  json answer = admin_command(db, config, request);
  if (log != nullptr) log_admin_outcome(*log, request, answer);
  return answer;
}

json admin_command(storage::Storage& db, const NodeConfig& config, const json& request) {
  const std::string command = request.value("command", "");
  using storage::Approval;
  using storage::Role;
  if (command == "gateway.approve") return approve_gateway(db, config, request);
  if (command == "gateway.remove") return remove_gateway(db, request);
  if (command == "gateway.list") return list(db, Role::gateway, std::nullopt);
  if (command == "agent.pending") return list(db, Role::agent, Approval::pending);
  if (command == "agent.list") return list(db, Role::agent, std::nullopt);
  if (command == "agent.approve") return set_agent(db, request, Approval::approved);
  if (command == "agent.reject") return set_agent(db, request, Approval::rejected);
  if (command == "agent.forget") return forget_agent(db, request);
  if (command == "gateway.set-failover" || command == "agent.set-parent") {
    return set_topology(db, config, request);
  }
  if (command == "data") return query_data(db, request);
  if (auto answer = alert_command(db, command, request)) return std::move(*answer);
  if (command == "inventory") {
    auto inventory = inventory_json(db, config);
    if (!inventory) return net::admin_error(inventory.error());
    return net::admin_ok(std::move(*inventory));
  }
  return net::admin_error(Error{EventId::none,
                                fmt::format("'{}' is not a management server command", command),
                                "use the outpost command line"});
}

}  // namespace outpost::server

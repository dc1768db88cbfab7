#include "server/admin_commands.hpp"

#include <fmt/format.h>

#include "core/names.hpp"
#include "net/admin_socket.hpp"
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

Result<std::string> fqdn_of(const json& request, std::string_view what) {
  const std::string name = request.value("fqdn", "");
  if (!is_valid_host_name(name)) {
    return fail(fmt::format("'{}' is not a valid FQDN", name),
                fmt::format("pass the {}'s fully qualified domain name", what));
  }
  return canonical_host_name(name);
}

json approve_gateway(storage::Storage& db, const json& request) {
  auto fqdn = fqdn_of(request, "gateway");
  if (!fqdn) return net::admin_error(fqdn.error());
  const bool server_initiates = request.value("server_initiates", false);
  const std::string address = request.value("address", "");
  if (server_initiates && !parse_endpoint(address)) {
    return net::admin_error(Error{EventId::none, "--server-initiates needs --address HOST:PORT",
                                  "give the address the management server dials the gateway on"});
  }
  if (auto ok = db.approve_gateway(*fqdn, server_initiates, address); !ok) {
    return net::admin_error(ok.error());
  }
  return net::admin_ok({{"message", fmt::format("The approval of server {} completed "
                                                "successfully.",
                                                *fqdn)}});
}

json remove_gateway(storage::Storage& db, const json& request) {
  auto fqdn = fqdn_of(request, "gateway");
  if (!fqdn) return net::admin_error(fqdn.error());
  auto removed = db.remove_gateway(*fqdn);
  if (!removed) return net::admin_error(removed.error());
  if (!*removed) {
    return net::admin_error(Error{EventId::none, fmt::format("{} is not a known gateway", *fqdn),
                                  "see outpost gateway list"});
  }
  return net::admin_ok({{"message", fmt::format("The removal of server {} from the management "
                                                "group completed successfully.",
                                                *fqdn)}});
}

json set_agent(storage::Storage& db, const json& request, storage::Approval approval) {
  auto fqdn = fqdn_of(request, "agent");
  if (!fqdn) return net::admin_error(fqdn.error());
  auto changed = db.set_agent_approval(*fqdn, approval);
  if (!changed) return net::admin_error(changed.error());
  if (!*changed) {
    return net::admin_error(Error{EventId::none, fmt::format("{} is not a known agent", *fqdn),
                                  "see outpost agent list; an agent is known once it has "
                                  "connected"});
  }
  return net::admin_ok(
      {{"message", fmt::format("Agent {} is now {}.", *fqdn, storage::approval_name(approval))}});
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
  json out{{"seq", r.seq},
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
  query.name = request.value("name", "");
  if (request.contains("since_ms")) {
    query.since = TimePoint(std::chrono::milliseconds(request.value("since_ms", std::int64_t{0})));
  }
  query.limit = std::clamp<std::size_t>(request.value("limit", std::size_t{1000}), 1, 100000);
  auto rows = db.items(query);
  if (!rows) return net::admin_error(rows.error());
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
  const auto health = health_of_all(
      *all, {config.heartbeat_interval_s, config.heartbeat_missed_allowed}, Clock::now());
  std::map<std::string, const storage::Computer*> by_name;
  for (const auto& c : *all)
    by_name[c.fqdn] = &c;
  json out = json::array();
  for (const auto& c : *all) {
    out.push_back({{"fqdn", c.fqdn},
                   {"management_server", reaches_through(c.fqdn, by_name)},
                   {"role", storage::role_name(c.role)},
                   {"health", health_name(health.at(c.fqdn))},
                   {"parent", c.parent},
                   {"approval", storage::approval_name(c.approval)},
                   {"last_heartbeat", when(c.last_heartbeat)},
                   {"cert_not_after", when(c.certificate_not_after)},
                   {"checks", worst.contains(c.fqdn) ? worst.at(c.fqdn) : ""}});
  }
  return out;
}

json run_admin_command(storage::Storage& db, const NodeConfig& config, const json& request) {
  const std::string command = request.value("command", "");
  using storage::Approval;
  using storage::Role;
  if (command == "gateway.approve") return approve_gateway(db, request);
  if (command == "gateway.remove") return remove_gateway(db, request);
  if (command == "gateway.list") return list(db, Role::gateway, std::nullopt);
  if (command == "agent.pending") return list(db, Role::agent, Approval::pending);
  if (command == "agent.list") return list(db, Role::agent, std::nullopt);
  if (command == "agent.approve") return set_agent(db, request, Approval::approved);
  if (command == "agent.reject") return set_agent(db, request, Approval::rejected);
  if (command == "gateway.set-failover" || command == "agent.set-parent") {
    return set_topology(db, config, request);
  }
  if (command == "data") return query_data(db, request);
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

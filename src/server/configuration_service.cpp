#include "server/configuration_service.hpp"

#include <fmt/format.h>

#include <set>

#include "channel/configuration.hpp"
#include "core/names.hpp"
#include "core/node_document.hpp"
#include "net/admin_socket.hpp"
#include "server/admin_rules.hpp"
#include "server/health.hpp"

namespace outpost::server {
namespace {

using nlohmann::json;

// The parents named in a request, primary first, each a known computer of an allowed role.
// The parents named, each a known server (or gateway, for an agent). With --force a name the
// group does not know yet is taken too (a management server about to start) and listed in
// `unknown`; a known computer of the wrong role never is.
Result<std::vector<Endpoint>> requested_parents(
    const json& request, const std::string& target, storage::Role role,
    const std::map<std::string, storage::Computer>& known, std::vector<std::string>& unknown) {
  const bool force = request.value("force", false);
  std::vector<std::string> names{request.value("primary", "")};
  for (const auto& f : request.value("failover", json::array()))
    names.push_back(f.get<std::string>());
  std::vector<Endpoint> parents;
  for (const auto& name : names) {
    auto endpoint = parse_endpoint(name);
    if (!endpoint || !is_valid_host_name(endpoint->host)) {
      return fail(fmt::format("'{}' is not an FQDN or FQDN:PORT", name),
                  "name each parent by its FQDN, with :PORT when it is not 5723");
    }
    endpoint->host = canonical_host_name(endpoint->host);
    const auto it = known.find(endpoint->host);
    const bool allowed =
        it != known.end() &&
        (it->second.role == storage::Role::management_server ||
         (role == storage::Role::agent && it->second.role == storage::Role::gateway));
    const bool yet_to_start = it == known.end() && force;
    if ((!allowed && !yet_to_start) || endpoint->host == target) {
      return fail(fmt::format("{} is not a known {}", endpoint->host,
                              role == storage::Role::agent ? "gateway or management server"
                                                           : "management server"),
                  it == known.end()
                      ? "see outpost inventory for the names of the group's servers and "
                        "gateways; for a server that has not started yet, pass --force"
                      : "see outpost inventory for the names of the group's servers and "
                        "gateways");
    }
    if (yet_to_start) unknown.push_back(endpoint->host);
    for (const auto& p : parents) {
      if (p.host == endpoint->host) {
        return fail(fmt::format("{} is named twice", endpoint->host), "name each parent once");
      }
    }
    parents.push_back(*endpoint);
  }
  return parents;
}

// Empty when the change leaves the node a parent it can use; the reason otherwise.
std::string orphan_reason(const storage::Computer& node, const std::vector<Endpoint>& parents,
                          const std::vector<storage::Computer>& all, const NodeConfig& config) {
  const auto health = health_of_all(
      all, {config.heartbeat_interval_s, config.heartbeat_missed_allowed}, Clock::now());
  const bool connected = health.at(node.fqdn) == Health::healthy;
  std::string names;
  for (const auto& p : parents) {
    if (connected && p.host == node.parent) return "";
    const auto h = health.find(p.host);
    if (h != health.end() && h->second == Health::healthy) return "";
    names += (names.empty() ? "" : ", ") + p.host;
  }
  return fmt::format(
      "none of the new parents ({}) is the one {} is connected through ({}) or "
      "currently up: the change would orphan it",
      names, node.fqdn, connected ? node.parent : "none");
}

}  // namespace

Result<ComposedConfiguration> compose_configuration(storage::Storage& db, const NodeConfig& config,
                                                    const std::string& fqdn) {
  auto parents = db.parents_of(fqdn);
  if (!parents) return std::unexpected(parents.error());
  // Every agent gets this server's [collect] rules (a gateway ignores them): keep the section
  // the same on every management server of the group, or the cookie changes with the server.
  NodeDocument document{
      fqdn, {}, config.heartbeat_interval_s, config.heartbeat_missed_allowed, config.collect_toml};
  for (const auto& p : *parents) {
    if (auto endpoint = parse_endpoint(p)) document.parents.push_back(*endpoint);
  }
  std::string text = render_document(document);
  std::string cookie = channel::state_cookie(text);
  return ComposedConfiguration{fqdn, std::move(text), std::move(cookie)};
}

wire::Envelope config_update(const ComposedConfiguration& composed) {
  wire::Envelope update;
  auto* u = update.mutable_config_update();
  u->set_target(composed.target);
  u->set_cookie(composed.cookie);
  u->set_document(composed.document);
  return update;
}

json set_topology(storage::Storage& db, const NodeConfig& config, const json& request) {
  const bool gateway = request.value("command", "") == "gateway.set-failover";
  const storage::Role role = gateway ? storage::Role::gateway : storage::Role::agent;
  const std::string target = canonical_host_name(request.value("fqdn", ""));
  auto all = db.computers();
  if (!all) return net::admin_error(all.error());
  std::map<std::string, storage::Computer> known;
  for (const auto& c : *all)
    known.emplace(c.fqdn, c);
  const auto node = known.find(target);
  if (node == known.end()) {
    return no_change(
        fmt::format("{} is not a known {}; nothing changed", target, gateway ? "gateway" : "agent"),
        gateway ? "approve it first (outpost gateway approve)"
                : "an agent is known once it has connected",
        false);
  }
  if (node->second.role != role) {
    return wrong_role(node->second, role, "check the name");
  }
  std::vector<std::string> unknown;
  auto parents = requested_parents(request, target, role, known, unknown);
  if (!parents) return net::admin_error(parents.error());
  if (!request.value("force", false)) {
    if (std::string why = orphan_reason(node->second, *parents, *all, config); !why.empty()) {
      return net::admin_error(Error{EventId::parents_change_refused, why,
                                    "bring one of the new parents up first, keep the current "
                                    "parent in the list, or pass --force"});
    }
  }
  std::vector<std::string> texts;
  for (const auto& p : *parents)
    texts.push_back(p.text());
  auto current = db.parents_of(target);
  if (!current) return net::admin_error(current.error());
  if (*current == texts) {
    return no_change(fmt::format("The parents of {} already are {}; nothing changed.", target,
                                 fmt::join(texts, ", ")),
                     "", true);
  }
  if (auto ok = db.set_parents(target, texts, Clock::now()); !ok) {
    return net::admin_error(ok.error());
  }
  auto composed = compose_configuration(db, config, target);
  if (!composed) return net::admin_error(composed.error());
  std::string failovers;
  for (std::size_t i = 1; i < texts.size(); ++i)
    failovers += (i == 1 ? "" : ", ") + texts[i];
  json answer{
      {"message", fmt::format("The parents of {} are now: primary {}, failover {}. The "
                              "configuration service sends them to the node (state cookie {}).",
                              target, texts.front(), failovers.empty() ? "none" : failovers,
                              composed->cookie)},
      {"cookie", composed->cookie}};
  if (!unknown.empty()) {
    answer["warning"] = fmt::format(
        "{} {} not known to the group yet (no server of that name has started); taken because "
        "of --force. Until {} up, the node uses the other parents.",
        fmt::join(unknown, ", "), unknown.size() == 1 ? "is" : "are",
        unknown.size() == 1 ? "it is" : "they are");
  }
  return net::admin_ok(std::move(answer));
}

}  // namespace outpost::server

// The REST API's reads (docs/api.md): the inventory and one computer, performance series
// downsampled on the server, lists of pending agents, gateways, alerts, maintenance, events,
// servers, refused connections, users and the audit log. They run on the web listener's own
// database connection.
#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "core/names.hpp"
#include "core/text.hpp"
#include "web/api.hpp"

namespace outpost::web {
namespace {

using nlohmann::json;
using Outcome = Api::Outcome;

constexpr std::size_t kMaxEventsPaged = 100000;  // the "data" command's largest answer

Outcome answer(Result<json> result) {
  if (!result) return error_response(result.error());
  return json_response(*result);
}

Outcome paged_answer(const Request& request, Result<json> all) {
  if (!all) return error_response(all.error());
  auto page = page_of(request);
  if (!page) return bad_request(page.error().message);
  return json_response(paged(*all, *page));
}

}  // namespace

Outcome Api::overview(Call& call) {
  auto inventory = inventory_.get(call.db);
  if (!inventory) return error_response(inventory.error());
  const auto& all = **inventory;
  json worst = json::array();
  for (std::size_t i = 0; i < all.keys.size() && worst.size() < 10; ++i) {
    if (all.keys[i].health == "healthy") break;  // worst first: the rest are healthy too
    worst.push_back(all.rows[i]);
  }
  return json_response({{"counts", all.counts}, {"total", all.rows.size()}, {"worst", worst}});
}

Outcome Api::computers(Call& call) {
  auto page = page_of(call.request);
  if (!page) return bad_request(page.error().message);
  auto inventory = inventory_.get(call.db);
  if (!inventory) return error_response(inventory.error());
  const auto& all = **inventory;
  const std::string role = param(call.request, "role");
  const std::string health = param(call.request, "health");
  const std::string parent = canonical_host_name(param(call.request, "parent"));
  std::string part = param(call.request, "q");
  std::ranges::transform(part, part.begin(), [](unsigned char c) { return std::tolower(c); });
  json items = json::array();
  std::size_t total = 0;
  for (std::size_t i = 0; i < all.keys.size(); ++i) {
    const auto& key = all.keys[i];
    if (!role.empty() && key.role != role) continue;
    if (!health.empty() && key.health != health) continue;
    if (!parent.empty() && key.parent != parent) continue;
    if (!part.empty() && key.fqdn.find(part) == std::string::npos) continue;
    if (total >= page->offset && items.size() < page->limit) items.push_back(all.rows[i]);
    ++total;
  }
  return json_response(
      {{"items", items}, {"total", total}, {"offset", page->offset}, {"limit", page->limit}});
}

Outcome Api::computer(Call& call) {
  const std::string fqdn = canonical_host_name(call.params.at(0));
  auto known = call.db.computer(fqdn);
  if (!known) return error_response(known.error());
  if (!*known) {
    return error_response(
        404, EventId::computer_unknown,
        fmt::format("the management group knows no computer named '{}'", clean_text(fqdn, 255)),
        "check the name in the inventory");
  }
  auto inventory = inventory_.get(call.db);
  if (!inventory) return error_response(inventory.error());
  const auto& all = **inventory;
  const auto at = all.by_fqdn.find(fqdn);
  // A computer added since the inventory was built has no row yet: {} until the next build.
  const json row = at == all.by_fqdn.end() ? json::object() : all.rows[at->second];
  auto alerts = query(call.db, {{"command", "alerts.list"}, {"computer", fqdn}, {"limit", 100}});
  if (!alerts) return error_response(alerts.error());
  auto events =
      query(call.db, {{"command", "data"}, {"computer", fqdn}, {"kind", "event"}, {"limit", 50}});
  if (!events) return error_response(events.error());
  auto checks = call.db.check_states();
  if (!checks) return error_response(checks.error());
  json check_rows = json::array();
  for (const auto& c : *checks) {
    if (c.origin != fqdn) continue;
    check_rows.push_back(
        {{"name", c.name},
         {"status", c.status},
         {"output", c.output},
         {"produced", format_utc(TimePoint(std::chrono::milliseconds(c.produced_ms)))}});
  }
  auto counters = call.db.counter_names(fqdn, Clock::now() - std::chrono::hours(24));
  if (!counters) return error_response(counters.error());
  auto parents = call.db.parents_of(fqdn);
  if (!parents) return error_response(parents.error());
  const auto& c = **known;
  json certificate{
      {"sha256", c.certificate_sha256},
      {"not_after", c.certificate_not_after ? format_utc(*c.certificate_not_after) : ""}};
  std::ranges::reverse(*events);  // newest first
  return json_response({{"computer", row},
                        {"parents", *parents},
                        {"alerts", *alerts},
                        {"checks", check_rows},
                        {"events", *events},
                        {"counters", *counters},
                        {"certificate", certificate}});
}

Outcome Api::performance(Call& call) {
  const std::string fqdn = canonical_host_name(call.params.at(0));
  const std::string counter = param(call.request, "counter");
  if (counter.empty())
    return bad_request("?counter= is needed", "take a name from the computer's counters");
  const std::string instance = param(call.request, "instance");
  const auto now_ms = unix_ms(Clock::now());
  auto until = number_param(call.request, "until_ms", 0, std::numeric_limits<std::int64_t>::max());
  auto since = number_param(call.request, "since_ms", 0, std::numeric_limits<std::int64_t>::max());
  auto points = number_param(call.request, "points", 1, 2000);
  for (const auto* r : {&until, &since, &points})
    if (!*r) return bad_request(r->error().message);
  const std::int64_t to = until->value_or(now_ms);
  const std::int64_t from = since->value_or(to - 24 * 3600 * 1000);
  if (from >= to) return bad_request("since_ms must be before until_ms");
  const std::int64_t buckets = points->value_or(200);
  auto series = call.db.series({fqdn, counter, instance, from, to, buckets});
  if (!series) return error_response(series.error());
  const double width = static_cast<double>(to - from) / static_cast<double>(buckets);
  json out = json::array();
  for (const auto& b : series->buckets) {
    out.push_back(
        {{"t_ms", from + static_cast<std::int64_t>(width * (static_cast<double>(b.index) + 0.5))},
         {"min", b.min},
         {"avg", b.avg},
         {"max", b.max},
         {"count", b.count}});
  }
  return json_response({{"counter", counter},
                        {"instance", instance},
                        {"unit", series->unit},
                        {"since_ms", from},
                        {"until_ms", to},
                        {"points", out}});
}

Outcome Api::doctor(Call& call) {
  if (!backend_.doctor) {
    return error_response(404, EventId::web_not_found, "this server has no doctor view", "");
  }
  return json_response(backend_.doctor(canonical_host_name(call.params.at(0))));
}

Outcome Api::pending(Call& call) {
  return paged_answer(call.request, query(call.db, {{"command", "agent.pending"}}));
}

Outcome Api::gateways(Call& call) {
  auto list = query(call.db, {{"command", "gateway.list"}});
  if (!list) return error_response(list.error());
  for (auto& row : *list) {
    auto parents = call.db.parents_of(row.value("fqdn", ""));
    if (!parents) return error_response(parents.error());
    row["failover"] = *parents;
  }
  return paged_answer(call.request, std::move(*list));
}

Outcome Api::alerts(Call& call) {
  json command{{"command", "alerts.list"}, {"limit", 100000}};
  for (const char* key : {"state", "severity", "computer"}) {
    if (auto value = param(call.request, key); !value.empty()) command[key] = value;
  }
  return paged_answer(call.request, query(call.db, command));
}

Outcome Api::alert(Call& call) {
  auto id = positive_id(call.params.at(0), "an alert");
  if (!id) return bad_request(id.error().message);
  return answer(query(call.db, {{"command", "alerts.show"}, {"id", *id}}));
}

Outcome Api::maintenance(Call& call) {
  return paged_answer(call.request, query(call.db, {{"command", "maintenance.list"}}));
}

Outcome Api::events(Call& call) {
  auto page = page_of(call.request);
  if (!page) return bad_request(page.error().message);
  auto since = number_param(call.request, "since_ms", 0, std::numeric_limits<std::int64_t>::max());
  if (!since) return bad_request(since.error().message);
  // The newest offset + limit events (of one computer or of all), newest first.
  if (page->offset + page->limit > kMaxEventsPaged) {
    return bad_request(fmt::format("only the newest {} events are paged through", kMaxEventsPaged),
                       "ask for older ones with ?since_ms= or for one computer");
  }
  const std::string computer = param(call.request, "computer");
  if (computer.empty() && !param(call.request, "rule").empty()) {
    return bad_request("?rule= needs ?computer=",
                       "name the computer whose events of that rule you want");
  }
  json command{{"command", "data"},
               {"computer", computer},
               {"kind", "event"},
               {"limit", page->offset + page->limit}};
  if (const auto rule = param(call.request, "rule"); !rule.empty()) command["name"] = rule;
  if (*since) command["since_ms"] = **since;
  auto rows = query(call.db, command);
  if (!rows) return error_response(rows.error());
  std::ranges::reverse(*rows);
  json items = json::array();
  for (std::size_t i = page->offset; i < rows->size(); ++i)
    items.push_back(std::move((*rows)[i]));
  return json_response({{"items", items},
                        {"offset", page->offset},
                        {"limit", page->limit},
                        {"more", rows->size() == page->offset + page->limit}});
}

Outcome Api::servers(Call& call) {
  auto inventory = inventory_.get(call.db);
  if (!inventory) return error_response(inventory.error());
  const auto& all = **inventory;
  json rows = json::array();
  for (std::size_t i = 0; i < all.keys.size(); ++i)
    if (all.keys[i].role == "management_server") rows.push_back(all.rows[i]);
  return paged_answer(call.request, std::move(rows));
}

Outcome Api::refusals(Call& call) {
  storage::RefusalQuery q;
  q.computer = canonical_host_name(param(call.request, "computer"));
  auto rows = call.db.refusals(q);
  if (!rows) return error_response(rows.error());
  json out = json::array();
  for (const auto& r : *rows) {
    if (backend_.refusal) {
      out.push_back(backend_.refusal(r));
      continue;
    }
    const auto& o = r.last;  // without the doctor: the record, without meaning and fix
    out.push_back({{"identity", o.key.identity},
                   {"source", o.key.source},
                   {"reporter", r.reporter},
                   {"event", number(o.key.event)},
                   {"cause", cause_name(o.key.cause)},
                   {"reason", o.reason},
                   {"count", r.count},
                   {"first", format_utc(r.first)},
                   {"last", format_utc(r.latest)}});
  }
  return paged_answer(call.request, std::move(out));
}

Outcome Api::users(Call& call) {
  auto all = call.db.users();
  if (!all) return error_response(all.error());
  json out = json::array();
  for (const auto& u : *all) {
    out.push_back({{"name", u.name},
                   {"role", storage::user_role_name(u.role)},
                   {"created", format_utc(u.created)},
                   {"last_login", u.last_login ? format_utc(*u.last_login) : ""}});
  }
  return paged_answer(call.request, std::move(out));
}

Outcome Api::audit(Call& call) {
  auto page = page_of(call.request);
  if (!page) return bad_request(page.error().message);
  storage::AuditQuery q;
  q.user = param(call.request, "user");
  q.target = param(call.request, "target");
  q.offset = page->offset;
  q.limit = page->limit;
  auto rows = call.db.audit(q);
  if (!rows) return error_response(rows.error());
  json items = json::array();
  for (const auto& e : *rows) {
    items.push_back({{"id", e.id},
                     {"at", format_utc(e.at)},
                     {"user", e.user},
                     {"address", e.address},
                     {"action", e.action},
                     {"target", e.target},
                     {"detail", e.detail},
                     {"ok", e.ok}});
  }
  return json_response({{"items", items}, {"offset", page->offset}, {"limit", page->limit}});
}

}  // namespace outpost::web

// The REST API's reads (docs/api.md): the inventory and one computer, performance series
// downsampled on the server, lists of pending agents, gateways, alerts, maintenance, events,
// servers, refused connections, users and the audit log. They run on the web listener's own
// database connection.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "core/names.hpp"
#include "core/text.hpp"
#include "web/api.hpp"

namespace outpost::web {
namespace {

using nlohmann::json;
using Outcome = Api::Outcome;

// Worst first: what an operator looks at first.
int health_rank(const std::string& health) {
  static const std::map<std::string, int, std::less<>> ranks{
      {"critical", 0},     {"heartbeat_failure", 1}, {"unreachable", 2}, {"warning", 3},
      {"not_approved", 4}, {"unknown", 5},           {"maintenance", 6}, {"healthy", 7}};
  const auto it = ranks.find(health);
  return it == ranks.end() ? 5 : it->second;
}

Response bad_request(std::string message, std::string fix = "") {
  return error_response(400, EventId::web_request_invalid, message, fix);
}

std::string param(const Request& r, const std::string& key) {
  const auto it = r.query.find(key);
  return it == r.query.end() ? "" : it->second;
}

// An integer query parameter; nullopt when absent; an error when not a number in range.
Result<std::optional<std::int64_t>> number_param(const Request& r, const std::string& key,
                                                 std::int64_t low, std::int64_t high) {
  const auto it = r.query.find(key);
  if (it == r.query.end()) return std::nullopt;
  std::int64_t value = 0;
  const auto* end = it->second.data() + it->second.size();
  const auto [p, ec] = std::from_chars(it->second.data(), end, value);
  if (ec != std::errc{} || p != end || value < low || value > high) {
    return fail(fmt::format("?{}={} is not a number from {} to {}", key, clean_text(it->second, 40),
                            low, high),
                "", EventId::web_request_invalid);
  }
  return value;
}

json sorted_worst_first(json rows) {
  std::stable_sort(rows.begin(), rows.end(), [](const json& a, const json& b) {
    const int ra = health_rank(a.value("health", ""));
    const int rb = health_rank(b.value("health", ""));
    if (ra != rb) return ra < rb;
    return a.value("fqdn", "") < b.value("fqdn", "");
  });
  return rows;
}

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
  auto inventory = query(call.db, {{"command", "inventory"}});
  if (!inventory) return error_response(inventory.error());
  json counts = json::object();
  for (const auto& row : *inventory)
    counts[row.value("health", "unknown")] = counts.value(row.value("health", "unknown"), 0) + 1;
  json worst = json::array();
  for (const auto& row : sorted_worst_first(*inventory)) {
    if (worst.size() >= 10 || row.value("health", "") == "healthy") break;
    worst.push_back(row);
  }
  return json_response({{"counts", counts}, {"total", inventory->size()}, {"worst", worst}});
}

Outcome Api::computers(Call& call) {
  auto inventory = query(call.db, {{"command", "inventory"}});
  if (!inventory) return error_response(inventory.error());
  const std::string role = param(call.request, "role");
  const std::string health = param(call.request, "health");
  const std::string parent = canonical_host_name(param(call.request, "parent"));
  std::string part = param(call.request, "q");
  std::ranges::transform(part, part.begin(), [](unsigned char c) { return std::tolower(c); });
  json rows = json::array();
  for (auto& row : *inventory) {
    if (!role.empty() && row.value("role", "") != role) continue;
    if (!health.empty() && row.value("health", "") != health) continue;
    if (!parent.empty() && row.value("parent", "") != parent) continue;
    if (!part.empty() && row.value("fqdn", "").find(part) == std::string::npos) continue;
    rows.push_back(std::move(row));
  }
  return paged_answer(call.request, sorted_worst_first(std::move(rows)));
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
  auto inventory = query(call.db, {{"command", "inventory"}});
  if (!inventory) return error_response(inventory.error());
  json row = json::object();
  for (const auto& r : *inventory)
    if (r.value("fqdn", "") == fqdn) row = r;
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
  storage::ItemQuery samples{
      fqdn, storage::ItemKind::sample, {}, Clock::now() - std::chrono::hours(24), 5000};
  auto recent = call.db.items(samples);
  if (!recent) return error_response(recent.error());
  std::set<std::string> counters;
  for (const auto& item : *recent)
    counters.insert(item.name);
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
                        {"counters", counters},
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
  storage::ItemQuery q{fqdn, storage::ItemKind::sample, {counter}, from_unix_ms(from), 200000};
  auto items = call.db.items(q);
  if (!items) return error_response(items.error());
  struct Bucket {
    double min = std::numeric_limits<double>::infinity();
    double max = -std::numeric_limits<double>::infinity();
    double sum = 0;
    std::int64_t count = 0;
  };
  std::vector<Bucket> series(static_cast<std::size_t>(buckets));
  const double width = static_cast<double>(to - from) / static_cast<double>(buckets);
  std::string unit;
  for (const auto& item : *items) {
    if (item.produced_ms < from || item.produced_ms > to) continue;
    const json data = json::parse(item.payload, nullptr, false);
    if (!data.is_object() || !data.value("value", json()).is_number()) continue;
    if (!instance.empty() && data.value("instance", "") != instance) continue;
    if (unit.empty() && data.value("unit", json()).is_string()) unit = data["unit"];
    const double v = data["value"].get<double>();
    auto index = static_cast<std::size_t>(static_cast<double>(item.produced_ms - from) / width);
    index = std::min(index, series.size() - 1);
    auto& b = series[index];
    b.min = std::min(b.min, v);
    b.max = std::max(b.max, v);
    b.sum += v;
    ++b.count;
  }
  json out = json::array();
  for (std::size_t i = 0; i < series.size(); ++i) {
    const auto& b = series[i];
    if (b.count == 0) continue;
    out.push_back(
        {{"t_ms", from + static_cast<std::int64_t>(width * (static_cast<double>(i) + 0.5))},
         {"min", b.min},
         {"avg", b.sum / static_cast<double>(b.count)},
         {"max", b.max},
         {"count", b.count}});
  }
  return json_response({{"counter", counter},
                        {"instance", instance},
                        {"unit", unit},
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
  std::int64_t id = 0;
  const auto& text = call.params.at(0);
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc{} || p != text.data() + text.size() || id <= 0)
    return bad_request("an alert id is a positive number");
  return answer(query(call.db, {{"command", "alerts.show"}, {"id", id}}));
}

Outcome Api::maintenance(Call& call) {
  return paged_answer(call.request, query(call.db, {{"command", "maintenance.list"}}));
}

Outcome Api::events(Call& call) {
  const std::string computer = param(call.request, "computer");
  if (computer.empty())
    return bad_request("?computer= is needed", "name the computer whose events you want");
  auto since = number_param(call.request, "since_ms", 0, std::numeric_limits<std::int64_t>::max());
  if (!since) return bad_request(since.error().message);
  json command{{"command", "data"}, {"computer", computer}, {"kind", "event"}, {"limit", 10000}};
  if (*since) command["since_ms"] = **since;
  auto rows = query(call.db, command);
  if (rows) std::ranges::reverse(*rows);  // newest first
  return paged_answer(call.request, std::move(rows));
}

Outcome Api::servers(Call& call) {
  auto inventory = query(call.db, {{"command", "inventory"}});
  if (!inventory) return error_response(inventory.error());
  json rows = json::array();
  for (auto& row : *inventory)
    if (row.value("role", "") == "management_server") rows.push_back(std::move(row));
  return paged_answer(call.request, std::move(rows));
}

Outcome Api::refusals(Call& call) {
  storage::RefusalQuery q;
  q.computer = canonical_host_name(param(call.request, "computer"));
  auto rows = call.db.refusals(q);
  if (!rows) return error_response(rows.error());
  json out = json::array();
  for (const auto& r : *rows) {
    const auto& o = r.last;
    out.push_back({{"reporter", r.reporter},
                   {"identity", o.key.identity},
                   {"source", o.key.source},
                   {"event", number(o.key.event)},
                   {"cause", cause_name(o.key.cause)},
                   {"reason", o.reason},
                   {"count", r.count},
                   {"first", format_utc(r.first)},
                   {"latest", format_utc(r.latest)},
                   {"cert_subject", o.certificate.subject},
                   {"cert_issuer", o.certificate.issuer}});
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

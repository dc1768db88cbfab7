#include "alerts/evaluate.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/names.hpp"

namespace outpost::alerts {
namespace {

using storage::Severity;

// How far back a threshold monitor reads samples beyond its `for_s` (samples arrive every
// performance_interval_s, 60 s by default; a counter not sampled for this long is not judged).
constexpr auto kSampleLookback = std::chrono::minutes(10);
constexpr std::size_t kMaxSamples = 2000;
constexpr std::size_t kMaxSummaryBytes = 1000;
constexpr std::size_t kMaxNameBytes = 128;  // an instance or check name in an alert's monitor

// Text an agent sent (a check's output, a log line, an instance or check name) as it may appear in
// an alert: control characters (CR, LF, ESC ...) become spaces, and it is cut to `max` bytes at a
// UTF-8 character boundary. It ends up in e-mail headers, environment variables and terminals.
std::string one_line(std::string_view text, std::size_t max = kMaxSummaryBytes) {
  std::string out(text.substr(0, std::min(text.size(), max)));
  if (text.size() > max) {
    while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80)
      out.pop_back();  // a continuation byte: drop the cut character
    if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
  }
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = ' ';
  }
  return out;
}

struct Point {
  std::int64_t ms = 0;
  double value = 0;
};

// The samples of one computer: by counter, then by instance, oldest first.
using Series = std::map<std::string, std::map<std::string, std::vector<Point>>, std::less<>>;

// Every counter the threshold monitors `of` watch on `computer`, in one query (one index seek
// per counter), back as far as the longest of their windows needs.
Result<Series> series(storage::Storage& db, const std::vector<const Monitor*>& of,
                      const std::string& computer, TimePoint now) {
  storage::ItemQuery q;
  q.origin = computer;
  q.kind = storage::ItemKind::sample;
  int longest = 0;
  for (const auto* m : of) {
    if (std::ranges::find(q.names, m->counter) == q.names.end()) q.names.push_back(m->counter);
    longest = std::max(longest, m->for_s);
  }
  q.since = now - std::chrono::seconds(longest) - kSampleLookback;
  q.limit = kMaxSamples * q.names.size();
  auto items = db.items(q);
  if (!items) return std::unexpected(items.error());
  Series out;
  for (const auto& item : *items) {
    const auto j = nlohmann::json::parse(item.payload, nullptr, false);
    if (!j.is_object() || !j.contains("value") || !j["value"].is_number()) continue;
    const std::string instance =
        j.contains("instance") && j["instance"].is_string() ? j["instance"].get<std::string>() : "";
    out[item.name][instance].push_back({item.produced_ms, j["value"].get<double>()});
  }
  return out;
}

bool beyond(const Monitor& m, double value, double level, bool already_beyond) {
  const double edge =
      already_beyond ? (m.above ? level - m.hysteresis : level + m.hysteresis) : level;
  return m.above ? value > edge : value < edge;
}

// The level is held when the newest samples are all beyond it, back to one at least `for_s` old
// (the latest sample alone when for_s is 0).
bool holds(const Monitor& m, const std::vector<Point>& points, double level, bool already,
           std::int64_t now_ms) {
  if (points.empty()) return false;
  std::int64_t run_start = -1;
  for (auto it = points.rbegin(); it != points.rend(); ++it) {
    if (!beyond(m, it->value, level, already)) break;
    run_start = it->ms;
  }
  return run_start >= 0 && now_ms - run_start >= std::int64_t{m.for_s} * 1000;
}

void threshold(const Monitor& m, const std::string& computer, const Series& samples,
               const std::map<AlertKey, Severity>& current, TimePoint now,
               std::vector<Finding>& out) {
  const auto of_counter = samples.find(m.counter);
  if (of_counter == samples.end()) return;
  const auto since_ms = unix_ms(now - std::chrono::seconds(m.for_s) - kSampleLookback);
  for (const auto& [instance, all_points] : of_counter->second) {
    if (!m.instance.empty() && instance != m.instance) continue;
    // Another monitor of the counter may have read further back than this one looks.
    std::vector<Point> points;
    for (const auto& p : all_points) {
      if (p.ms >= since_ms) points.push_back(p);
    }
    const std::string key = m.instance.empty() && !instance.empty()
                                ? fmt::format("{}{{{}}}", m.name, one_line(instance, kMaxNameBytes))
                                : m.name;
    const auto was = current.find({computer, key});
    const bool was_critical = was != current.end() && was->second == Severity::critical;
    const bool was_any = was != current.end();
    std::optional<Severity> severity;
    std::optional<double> level;
    if (m.critical && holds(m, points, *m.critical, was_critical, unix_ms(now))) {
      severity = Severity::critical;
      level = m.critical;
    } else if (m.warning && holds(m, points, *m.warning, was_any, unix_ms(now))) {
      severity = Severity::warning;
      level = m.warning;
    }
    if (!severity) continue;
    const std::string what =
        instance.empty() ? m.counter : m.counter + "{" + one_line(instance, kMaxNameBytes) + "}";
    out.push_back({computer,
                   key,
                   *severity,
                   one_line(fmt::format("{} is {:g} ({} {:g}{})", what, points.back().value,
                                        m.above ? "above" : "below", *level,
                                        m.for_s > 0 ? fmt::format(" for {} s", m.for_s) : "")),
                   {}});
  }
}

using StatesByComputer = std::map<std::string, std::vector<const storage::CheckState*>>;

void check(const Monitor& m, const std::string& computer, const StatesByComputer& by_computer,
           std::vector<Finding>& out) {
  const auto mine = by_computer.find(computer);
  if (mine == by_computer.end()) return;
  for (const auto* state : mine->second) {
    const auto& s = *state;
    if (m.check != "*" && s.name != m.check) continue;
    std::optional<Severity> severity;
    if (s.status == "critical") severity = Severity::critical;
    if (s.status == "warning" || s.status == "unknown") severity = Severity::warning;
    if (!severity) continue;
    std::string status = s.status;
    for (auto& c : status)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const std::string name = one_line(s.name, kMaxNameBytes);
    out.push_back({computer,
                   m.check == "*" ? m.name + "/" + name : m.name,
                   *severity,
                   one_line(fmt::format("check {} is {}: {}", name, status, s.output)),
                   {}});
  }
}

Result<void> log_events(storage::Storage& db, const Monitor& m, const std::string& computer,
                        TimePoint now, std::vector<Finding>& out) {
  storage::ItemQuery q;
  q.origin = computer;
  q.kind = storage::ItemKind::event;
  q.names = {m.rule};
  q.since = now - std::chrono::seconds(m.window_s);
  q.limit = std::max<std::size_t>(static_cast<std::size_t>(m.count), 1000);
  auto items = db.items(q);
  if (!items) return std::unexpected(items.error());
  if (items->size() < static_cast<std::size_t>(m.count)) return {};
  Finding f{computer, m.name, m.severity, "", {}};
  for (const auto& item : *items)
    f.occurrences_ms.push_back(item.produced_ms);
  const auto last = nlohmann::json::parse(items->back().payload, nullptr, false);
  const std::string message =
      last.is_object() && last.contains("message") && last["message"].is_string()
          ? last["message"].get<std::string>()
          : "";
  f.summary = one_line(fmt::format("{} event(s) of log rule {} within {} s; the last: {}",
                                   items->size(), m.rule, m.window_s, message));
  out.push_back(std::move(f));
  return {};
}

void heartbeat_and_certificate(const AlertRules& rules, const ComputerView& view, TimePoint now,
                               std::vector<Finding>& out) {
  const auto& c = view.computer;
  if (view.heartbeat_failure) {
    out.push_back(
        {c.fqdn,
         std::string(kHeartbeatMonitor),
         Severity::critical,
         c.said_goodbye()
             ? fmt::format("Health Service Heartbeat Failure: the service of {} stopped "
                           "(it said goodbye)",
                           c.fqdn)
             : fmt::format("Health Service Heartbeat Failure: no heartbeat from {} since "
                           "{}",
                           c.fqdn, c.last_heartbeat ? format_utc(*c.last_heartbeat) : "-"),
         {}});
  }
  if (rules.certificate_warning_days > 0 && c.certificate_not_after) {
    const auto left = *c.certificate_not_after - now;
    if (left <= std::chrono::hours(24) * rules.certificate_warning_days) {
      const bool expired = left <= Clock::duration::zero();
      out.push_back(
          {c.fqdn,
           std::string(kCertificateMonitor),
           expired ? Severity::critical : Severity::warning,
           fmt::format("the certificate {} presented {} {}", c.fqdn,
                       expired ? "expired on" : "expires on", format_utc(*c.certificate_not_after)),
           {}});
    }
  }
}

void queue_drops(const storage::QueueDrops& d, std::vector<Finding>& out) {
  out.push_back({d.origin,
                 std::string(kQueueDropsMonitor),
                 Severity::warning,
                 fmt::format("the queue of {} dropped items it could not deliver, the last at {} "
                             "({} in all): over its [queue] max_mb (2023) or older than max_age_h "
                             "(2120) in its event log",
                             d.origin, format_utc(d.last_drop), d.dropped_items),
                 {}});
}

// A gateway connected to another management server than the first of the parents the group
// set for it (outpost gateway set-failover): it runs on its failover server.
Result<void> failover(storage::Storage& db, const ComputerView& view, std::vector<Finding>& out) {
  const auto& c = view.computer;
  if (c.role != storage::Role::gateway || c.parent.empty() || view.heartbeat_failure) return {};
  auto parents = db.parents_of(c.fqdn);
  if (!parents) return std::unexpected(parents.error());
  if (parents->empty()) return {};  // the gateway keeps its own [parents]: no primary known here
  const auto primary = parse_endpoint(parents->front());
  if (!primary || same_host_name(primary->host, c.parent)) return {};
  out.push_back({c.fqdn,
                 std::string(kFailoverMonitor),
                 Severity::warning,
                 fmt::format("gateway {} runs on its failover management server {}: its primary "
                             "{} is down or unreachable from it",
                             c.fqdn, c.parent, primary->host),
                 {}});
  return {};
}

void pending(const AlertRules& rules, const storage::Computer& c, TimePoint now,
             std::vector<Finding>& out) {
  if (rules.pending_warning_s <= 0 ||
      now - c.first_seen < std::chrono::seconds(rules.pending_warning_s)) {
    return;
  }
  out.push_back({c.fqdn,
                 std::string(kPendingMonitor),
                 Severity::warning,
                 fmt::format("{} {} has waited for approval since {}: outpost {} approve {} (or "
                             "reject it)",
                             storage::role_name(c.role), c.fqdn, format_utc(c.first_seen),
                             storage::role_name(c.role), c.fqdn),
                 {}});
}

}  // namespace

Result<std::vector<Finding>> evaluate(storage::Storage& db, const AlertRules& rules,
                                      const std::vector<ComputerView>& computers,
                                      const std::map<AlertKey, Severity>& current, TimePoint now) {
  std::vector<Finding> out;
  std::vector<storage::CheckState> states;
  if (std::ranges::any_of(rules.monitors,
                          [](const auto& m) { return m.kind == MonitorKind::check; })) {
    auto read = db.check_states();
    if (!read) return std::unexpected(read.error());
    states = std::move(*read);
  }
  StatesByComputer by_computer;  // one pass over the states, not one per computer
  for (const auto& s : states)
    by_computer[s.origin].push_back(&s);
  std::map<std::string, storage::QueueDrops, std::less<>> drops;
  if (rules.queue_drop_window_s > 0) {
    auto read = db.queue_drops(now - std::chrono::seconds(rules.queue_drop_window_s));
    if (!read) return std::unexpected(read.error());
    for (auto& d : *read)
      drops.emplace(d.origin, std::move(d));
  }
  for (const auto& view : computers) {
    if (view.computer.approval == storage::Approval::pending) {
      pending(rules, view.computer, now, out);
      continue;
    }
    heartbeat_and_certificate(rules, view, now, out);
    if (const auto d = drops.find(view.computer.fqdn); d != drops.end()) {
      queue_drops(d->second, out);
    }
    if (rules.failover_warning) {
      if (auto done = failover(db, view, out); !done) return std::unexpected(done.error());
    }
    const std::string& fqdn = view.computer.fqdn;
    std::vector<const Monitor*> thresholds;
    for (const auto& m : rules.monitors) {
      if (m.kind == MonitorKind::threshold && name_matches(m.computers, fqdn)) {
        thresholds.push_back(&m);
      }
    }
    Series samples;
    if (!thresholds.empty()) {
      auto read = series(db, thresholds, fqdn, now);
      if (!read) return std::unexpected(read.error());
      samples = std::move(*read);
    }
    for (const auto& m : rules.monitors) {
      if (!name_matches(m.computers, fqdn)) continue;
      Result<void> done;
      switch (m.kind) {
        case MonitorKind::threshold:
          threshold(m, fqdn, samples, current, now, out);
          break;
        case MonitorKind::check:
          check(m, fqdn, by_computer, out);
          break;
        case MonitorKind::log:
          done = log_events(db, m, fqdn, now, out);
          break;
      }
      if (!done) return std::unexpected(done.error());
    }
  }
  return out;
}

}  // namespace outpost::alerts

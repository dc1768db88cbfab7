#include "alerts/lifecycle.hpp"

#include <algorithm>
#include <chrono>
#include <map>

namespace outpost::alerts {
namespace {

std::string parent_of(const Parents& parents, const std::string& computer) {
  const auto it = parents.find(computer);
  return it == parents.end() ? std::string() : it->second;
}

std::vector<storage::NotifyRequest> opened(const std::vector<Subscription>& subscriptions,
                                           const Parents& parents, const std::string& computer,
                                           const std::string& monitor, storage::Severity severity,
                                           TimePoint now) {
  std::vector<storage::NotifyRequest> out;
  for (const auto& s : subscriptions) {
    if (subscribed(s, computer, parent_of(parents, computer), monitor, severity)) {
      out.push_back({s.name, "opened", 0, now + std::chrono::seconds(s.delay_s)});
    }
  }
  return out;
}

// Every subscription that would have been asked when it opened (at any severity: "resolved" is
// sent only where "opened" was).
std::vector<storage::NotifyRequest> resolved(const std::vector<Subscription>& subscriptions,
                                             const Parents& parents, const storage::Alert& a,
                                             TimePoint now) {
  std::vector<storage::NotifyRequest> out;
  for (const auto& s : subscriptions) {
    if (s.on_resolve && subscribed(s, a.computer, parent_of(parents, a.computer), a.monitor,
                                   storage::Severity::critical)) {
      out.push_back({s.name, "resolved", 0, now});
    }
  }
  return out;
}

}  // namespace

std::vector<storage::AlertChange> plan_changes(const std::vector<storage::Alert>& active,
                                               const std::vector<Finding>& findings,
                                               const std::set<std::string>& untouched,
                                               const std::vector<Subscription>& subscriptions,
                                               const Parents& parents, TimePoint now) {
  using Kind = storage::AlertChange::Kind;
  std::map<AlertKey, const storage::Alert*> by_key;
  for (const auto& a : active)
    by_key[{a.computer, a.monitor}] = &a;
  std::vector<storage::AlertChange> changes;
  std::set<AlertKey> seen;
  for (const auto& f : findings) {
    if (untouched.contains(f.computer)) continue;
    const AlertKey key{f.computer, f.monitor};
    if (!seen.insert(key).second) continue;  // one finding per key
    const auto it = by_key.find(key);
    const std::int64_t newest = f.occurrences_ms.empty() ? 0 : std::ranges::max(f.occurrences_ms);
    if (it == by_key.end()) {
      changes.push_back({Kind::open, 0, f.computer, f.monitor, f.severity, f.summary, 0,
                         opened(subscriptions, parents, f.computer, f.monitor, f.severity, now)});
      changes.back().newest_occurrence_ms = newest;
      continue;
    }
    // Repeats are the occurrences newer than the newest one counted before (by the time the
    // agent produced them): a line stored after an evaluation that it preceded still counts.
    // An alert that counted none yet (opened before 0009) counts from its last evaluation.
    const std::int64_t counted = it->second->newest_occurrence_ms > 0
                                     ? it->second->newest_occurrence_ms
                                     : unix_ms(it->second->last_seen);
    const auto repeats =
        std::ranges::count_if(f.occurrences_ms, [&](std::int64_t ms) { return ms > counted; });
    const bool worse = f.severity == storage::Severity::critical &&
                       it->second->severity != storage::Severity::critical;
    changes.push_back(
        {Kind::update, it->second->id, f.computer, f.monitor, f.severity, f.summary, repeats,
         worse ? opened(subscriptions, parents, f.computer, f.monitor, f.severity, now)
               : std::vector<storage::NotifyRequest>{}});
    changes.back().newest_occurrence_ms = newest;
  }
  for (const auto& a : active) {
    if (untouched.contains(a.computer) || seen.contains({a.computer, a.monitor})) continue;
    const bool by_hand = a.state == storage::AlertState::closed;
    changes.push_back({by_hand ? Kind::release : Kind::resolve, a.id, a.computer, a.monitor,
                       a.severity, "the monitor is healthy again", 0,
                       by_hand ? std::vector<storage::NotifyRequest>{}
                               : resolved(subscriptions, parents, a, now)});
  }
  return changes;
}

}  // namespace outpost::alerts

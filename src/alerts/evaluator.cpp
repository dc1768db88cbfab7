#include "alerts/evaluator.hpp"

#include <set>

#include <fmt/format.h>

#include "alerts/lifecycle.hpp"

namespace outpost::alerts {

Evaluator::Evaluator(storage::Storage& db, EventLog& log, std::string holder)
    : db_(db), log_(log), holder_(std::move(holder)) {}

void Evaluator::tick(const AlertRules& rules, const std::vector<ComputerView>& computers,
                     TimePoint now) {
  if (last_ && now - *last_ < std::chrono::seconds(rules.evaluation_interval_s)) return;
  last_ = now;
  evaluate_now(rules, computers, now);
}

void Evaluator::failed(const Error& error) {
  if (failing_) return;
  failing_ = true;
  (void)log_.write(EventId::database_error,
                   "The monitors could not be evaluated: " + error.describe());
}

void Evaluator::evaluate_now(const AlertRules& rules, const std::vector<ComputerView>& computers,
                             TimePoint now) {
  const auto ttl = std::chrono::seconds(rules.evaluation_interval_s) * 3;
  auto held = db_.hold_lease(std::string(kAlertLease), holder_, now, ttl);
  if (!held) return failed(held.error());
  if (*held != holding_) {
    holding_ = *held;
    (void)log_.write(EventId::alert_evaluator_changed,
                     holding_ ? fmt::format("This management server ({}) now evaluates the "
                                            "monitors of the management group.",
                                            holder_)
                              : fmt::format("This management server ({}) no longer evaluates the "
                                            "monitors: another server holds the lease.",
                                            holder_));
  }
  if (!holding_) return;
  auto windows = db_.maintenance_windows(now);
  if (!windows) return failed(windows.error());
  std::set<std::string> in_maintenance;
  for (const auto& w : *windows)
    in_maintenance.insert(w.computer);
  std::vector<ComputerView> evaluated;
  for (const auto& view : computers) {
    if (!in_maintenance.contains(view.computer.fqdn)) evaluated.push_back(view);
  }
  storage::AlertQuery query;
  query.active_only = true;
  query.limit = 1000000;
  auto active = db_.alerts(query);
  if (!active) return failed(active.error());
  std::map<AlertKey, storage::Severity> current;
  for (const auto& a : *active)
    current[{a.computer, a.monitor}] = a.severity;
  auto findings = evaluate(db_, rules, evaluated, current, now);
  if (!findings) return failed(findings.error());
  const auto changes = plan_changes(*active, *findings, in_maintenance, rules.subscriptions, now);
  auto changed = db_.apply_alert_changes(std::string(kAlertLease), holder_, now, changes);
  if (!changed) return failed(changed.error());
  failing_ = false;
  if (!*changed) return;  // the lease lapsed meanwhile: the next round says so
  for (const auto& a : **changed) {
    const nlohmann::json fields{{"alert", a.id},
                                {"computer", a.computer},
                                {"monitor", a.monitor},
                                {"severity", storage::severity_name(a.severity)}};
    if (a.state == storage::AlertState::open) {
      (void)log_.write(
          EventId::alert_opened,
          fmt::format("Alert {} opened: {} {} on {}: {}", a.id, storage::severity_name(a.severity),
                      a.monitor, a.computer, a.summary),
          fields);
    } else {
      (void)log_.write(
          EventId::alert_resolved,
          fmt::format("Alert {} resolved: {} on {} is healthy again.", a.id, a.monitor, a.computer),
          fields);
    }
  }
}

}  // namespace outpost::alerts

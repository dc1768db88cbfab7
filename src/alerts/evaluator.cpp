#include "alerts/evaluator.hpp"

#include <set>

#include <fmt/format.h>

#include "alerts/lifecycle.hpp"

namespace outpost::alerts {

Evaluator::Evaluator(std::unique_ptr<storage::Storage> db, std::string holder, Report report)
    : db_(std::move(db)), holder_(std::move(holder)), report_(std::move(report)) {
  thread_ = std::thread([this] { run(); });
}

Evaluator::~Evaluator() {
  stop();
}

void Evaluator::tick(const AlertRules& rules, const std::vector<ComputerView>& computers,
                     TimePoint now) {
  if (last_ && now - *last_ < std::chrono::seconds(rules.evaluation_interval_s)) return;
  last_ = now;
  {
    const std::lock_guard lock(mutex_);
    next_ = Round{rules, computers};  // replaces one the thread has not taken yet
  }
  wake_.notify_all();
}

void Evaluator::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Evaluator::run() {
  for (;;) {
    Round round;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || next_.has_value(); });
      if (stopping_) return;
      round = std::move(*next_);
      next_.reset();
    }
    try {
      evaluate_now(round);
    } catch (const std::exception& e) {
      failed(Error{EventId::database_error, e.what(), ""});
    }
  }
}

void Evaluator::failed(const Error& error) {
  if (failing_) return;
  failing_ = true;
  report_(EventId::database_error, "The monitors could not be evaluated: " + error.describe(), {});
}

void Evaluator::evaluate_now(const Round& round) {
  const AlertRules& rules = round.rules;
  const std::vector<ComputerView>& computers = round.computers;
  const TimePoint now = Clock::now();  // not the tick's: a round may have waited for the last
  const auto ttl = std::chrono::seconds(rules.evaluation_interval_s) * 3;
  auto held = db_->hold_lease(std::string(kAlertLease), holder_, now, ttl);
  if (!held) return failed(held.error());
  if (*held != holding_) {
    holding_ = *held;
    report_(EventId::alert_evaluator_changed,
            holding_ ? fmt::format("This management server ({}) now evaluates the monitors of the "
                                   "management group.",
                                   holder_)
                     : fmt::format("This management server ({}) no longer evaluates the "
                                   "monitors: another server holds the lease.",
                                   holder_),
            {});
  }
  if (!holding_) return;
  auto windows = db_->maintenance_windows(now);
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
  auto active = db_->alerts(query);
  if (!active) return failed(active.error());
  std::map<AlertKey, storage::Severity> current;
  for (const auto& a : *active)
    current[{a.computer, a.monitor}] = a.severity;
  auto findings = evaluate(*db_, rules, evaluated, current, now);
  if (!findings) return failed(findings.error());
  Parents parents;
  for (const auto& view : computers)
    parents.emplace(view.computer.fqdn, view.computer.parent);
  const auto changes =
      plan_changes(*active, *findings, in_maintenance, rules.subscriptions, parents, now);
  auto changed = db_->apply_alert_changes(std::string(kAlertLease), holder_, now, changes);
  if (!changed) return failed(changed.error());
  failing_ = false;
  if (!*changed) return;  // the lease lapsed meanwhile: the next round says so
  for (const auto& a : **changed) {
    const nlohmann::json fields{{"alert", a.id},
                                {"computer", a.computer},
                                {"monitor", a.monitor},
                                {"severity", storage::severity_name(a.severity)}};
    if (a.state == storage::AlertState::open) {
      report_(EventId::alert_opened,
              fmt::format("Alert {} opened: {} {} on {}: {}", a.id,
                          storage::severity_name(a.severity), a.monitor, a.computer, a.summary),
              fields);
    } else {
      report_(
          EventId::alert_resolved,
          fmt::format("Alert {} resolved: {} on {} is healthy again.", a.id, a.monitor, a.computer),
          fields);
    }
  }
}

}  // namespace outpost::alerts

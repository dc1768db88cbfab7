#include "net/accept_budget.hpp"

#include <utility>

namespace outpost::net {

struct AcceptBudget::State {
  BudgetLimits limits;
  BudgetCounters counters;
  std::map<std::string, int, std::less<>> per_source;  // only sources holding slots: bounded
};

AcceptBudget::Slot::Slot(std::shared_ptr<State> state, std::string source)
    : state_(std::move(state)), source_(std::move(source)) {}

AcceptBudget::Slot& AcceptBudget::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    release();
    state_ = std::move(other.state_);
    source_ = std::move(other.source_);
  }
  return *this;
}

AcceptBudget::Slot::~Slot() {
  release();
}

void AcceptBudget::Slot::release() {
  if (!state_) return;
  auto state = std::move(state_);
  state_.reset();
  if (state->counters.in_progress > 0) --state->counters.in_progress;
  if (auto it = state->per_source.find(source_); it != state->per_source.end()) {
    if (--it->second <= 0) state->per_source.erase(it);
  }
}

AcceptBudget::AcceptBudget(BudgetLimits limits) : state_(std::make_shared<State>()) {
  state_->limits = limits;
}

AcceptBudget::Decision AcceptBudget::admit(const std::string& source) {
  State& s = *state_;
  if (s.counters.in_progress >= static_cast<std::uint64_t>(s.limits.max_connections)) {
    ++s.counters.refused_total;
    return Decision{std::nullopt, BudgetRefusal::total};
  }
  int& held = s.per_source[source];
  if (held >= s.limits.max_per_source) {
    ++s.counters.refused_per_source;
    return Decision{std::nullopt, BudgetRefusal::per_source};
  }
  ++held;
  ++s.counters.in_progress;
  ++s.counters.accepted;
  return Decision{Slot(state_, source), BudgetRefusal::total};
}

void AcceptBudget::note_deadline_expired() {
  ++state_->counters.deadline_expired;
}

BudgetCounters AcceptBudget::counters() const {
  return state_->counters;
}

const BudgetLimits& AcceptBudget::limits() const {
  return state_->limits;
}

std::size_t AcceptBudget::sources_in_progress() const {
  return state_->per_source.size();
}

}  // namespace outpost::net

#include "net/accept_budget.hpp"

#include <list>
#include <utility>

namespace outpost::net {
namespace {

// Slots looked at for a silent one per admission: the cost of a refusal stays constant.
constexpr int kEvictionScan = 64;

}  // namespace

struct AcceptBudget::Entry {
  std::string source;
  std::function<bool()> silent;  // unset until the connection's coroutine watches it
  std::function<void()> close;
  bool talking = false;  // in State::talking instead of State::silent
  bool held = true;
  bool evicted = false;
  std::list<std::shared_ptr<Entry>>::iterator position;
};

struct AcceptBudget::State {
  BudgetLimits limits;
  BudgetCounters counters;
  std::map<std::string, int, std::less<>> per_source;  // only sources holding slots: bounded
  std::list<std::shared_ptr<Entry>> silent;            // oldest first: eviction candidates
  std::list<std::shared_ptr<Entry>> talking;

  void drop(Entry& entry) {
    if (!entry.held) return;
    entry.held = false;
    (entry.talking ? talking : silent).erase(entry.position);
    if (counters.in_progress > 0) --counters.in_progress;
    if (auto it = per_source.find(entry.source); it != per_source.end()) {
      if (--it->second <= 0) per_source.erase(it);
    }
  }

  // Closes the oldest connection that has sent nothing; false when none of the first few is.
  bool evict_one() {
    int looked = 0;
    for (auto it = silent.begin(); it != silent.end() && looked < kEvictionScan; ++looked) {
      const std::shared_ptr<Entry> entry = *it;
      ++it;
      if (!entry->silent) continue;  // not watched yet: it has only just been accepted
      if (!entry->silent()) {        // bytes wait: it is talking
        make_talking(*entry);
        continue;
      }
      entry->evicted = true;
      const auto close = std::move(entry->close);
      entry->silent = nullptr;
      drop(*entry);
      ++counters.evicted_silent;
      if (close) close();
      return true;
    }
    return false;
  }

  void make_talking(Entry& entry) {
    if (!entry.held || entry.talking) return;
    talking.splice(talking.end(), silent, entry.position);
    entry.talking = true;
    entry.silent = nullptr;
    entry.close = nullptr;
  }
};

AcceptBudget::Slot::Slot(std::shared_ptr<State> state, std::shared_ptr<Entry> entry)
    : state_(std::move(state)), entry_(std::move(entry)) {}

AcceptBudget::Slot& AcceptBudget::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    release();
    state_ = std::move(other.state_);
    entry_ = std::move(other.entry_);
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
  state->drop(*entry_);
}

void AcceptBudget::Slot::watch(std::function<bool()> silent, std::function<void()> close) {
  if (!state_ || !entry_->held || entry_->talking) return;
  entry_->silent = std::move(silent);
  entry_->close = std::move(close);
}

void AcceptBudget::Slot::talking() {
  if (state_) state_->make_talking(*entry_);
}

bool AcceptBudget::Slot::evicted() const {
  return entry_ && entry_->evicted;
}

AcceptBudget::AcceptBudget(BudgetLimits limits) : state_(std::make_shared<State>()) {
  state_->limits = limits;
}

AcceptBudget::Decision AcceptBudget::admit(const std::string& source) {
  State& s = *state_;
  // Per source first: a source at its cap never closes another's connection.
  if (auto it = s.per_source.find(source);
      it != s.per_source.end() && it->second >= s.limits.max_per_source) {
    ++s.counters.refused_per_source;
    return Decision{std::nullopt, BudgetRefusal::per_source};
  }
  if (s.counters.in_progress >= static_cast<std::uint64_t>(s.limits.max_connections) &&
      !s.evict_one()) {
    ++s.counters.refused_total;
    return Decision{std::nullopt, BudgetRefusal::total};
  }
  ++s.per_source[source];
  ++s.counters.in_progress;
  ++s.counters.accepted;
  auto entry = std::make_shared<Entry>();
  entry->source = source;
  s.silent.push_back(entry);
  entry->position = std::prev(s.silent.end());
  return Decision{Slot(state_, std::move(entry)), BudgetRefusal::total};
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

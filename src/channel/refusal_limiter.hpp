// Rate limits of refusal lines per source address, so that no unauthenticated peer can make a
// node write without bound: per source, the first few refusals of an interval are logged one by
// one, the others only counted; the counts come out as one summary per kind and period. The map
// of sources is bounded: beyond it every source shares one "other sources" bucket. While a flood
// lasts the budget shrinks: the cap of lines from all sources halves after each interval that
// used it up (to `min_total_lines`) and is whole again after one that did not; RefusalLog
// doubles its summary period the same way. So a long flood writes a couple of lines a minute,
// not a steady stream. Pure logic with the time passed in (unit-tested);
// RefusalLog writes what it decides.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/time.hpp"

namespace outpost::channel {

struct LimiterSettings {
  int per_source = 5;                 // lines per source and interval
  std::chrono::seconds interval{60};  // the window of `per_source` and `total_lines`
  int total_lines = 100;              // lines per interval from all sources together
  int min_total_lines = 2;            // the cap halves after each interval that used it up, to this
  std::size_t max_sources = 4096;     // sources tracked one by one
  std::chrono::seconds summary_every{10};       // how often RefusalLog writes the summaries; the
  std::chrono::seconds summary_every_max{600};  // period doubles while a flood lasts, to this
  std::size_t summary_sources = 20;             // sources named in one summary (the most refused)
};

// refusal: a TLS or hello refusal, summarised as 30070; budget: refused at accept, as 30071.
enum class RefusalKind { refusal = 0, budget = 1 };

struct RefusalSummary {
  RefusalKind kind = RefusalKind::refusal;
  std::uint64_t total = 0;                                     // not logged one by one
  std::vector<std::pair<std::string, std::uint64_t>> sources;  // the most refused, count desc
  std::uint64_t other_sources = 0;  // the rest: sources not named, and the overflow bucket
};

class RefusalLimiter {
 public:
  explicit RefusalLimiter(LimiterSettings settings = {});

  // True: log this refusal by itself. False: it was counted for the next summary.
  [[nodiscard]] bool admit(RefusalKind kind, const std::string& source, TimePoint now);

  // The counts since the last call (at most one summary per kind, none when nothing was held
  // back), and forgets sources whose interval ended.
  [[nodiscard]] std::vector<RefusalSummary> take_summaries(TimePoint now);

  [[nodiscard]] const LimiterSettings& settings() const { return settings_; }
  [[nodiscard]] std::size_t tracked_sources() const { return sources_.size(); }
  // The cap of lines from all sources in the current interval.
  [[nodiscard]] int total_cap() const { return cap_; }

 private:
  struct Source {
    TimePoint window_start;
    int logged = 0;
    std::array<std::uint64_t, 2> held{0, 0};
  };
  void prune(TimePoint now);

  LimiterSettings settings_;
  std::map<std::string, Source, std::less<>> sources_;
  std::array<std::uint64_t, 2> overflow_{0, 0};  // sources beyond max_sources
  TimePoint window_start_{};
  int logged_ = 0;
  int cap_;
};

}  // namespace outpost::channel

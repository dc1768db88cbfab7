#include "channel/refusal_limiter.hpp"

#include <algorithm>

namespace outpost::channel {

RefusalLimiter::RefusalLimiter(LimiterSettings settings)
    : settings_(settings), cap_(settings.total_lines) {}

bool RefusalLimiter::admit(RefusalKind kind, const std::string& source, TimePoint now) {
  const auto k = static_cast<std::size_t>(kind);
  if (now - window_start_ >= settings_.interval) {
    cap_ = logged_ >= cap_
               ? std::max(std::min(settings_.min_total_lines, settings_.total_lines), cap_ / 2)
               : settings_.total_lines;
    window_start_ = now;
    logged_ = 0;
  }
  auto it = sources_.find(source);
  if (it == sources_.end()) {
    if (sources_.size() >= settings_.max_sources) prune(now);
    if (sources_.size() >= settings_.max_sources) {
      ++overflow_[k];
      return false;
    }
    it = sources_.emplace(source, Source{now, 0, {0, 0}}).first;
  }
  Source& s = it->second;
  if (now - s.window_start >= settings_.interval) {
    s.window_start = now;
    s.logged = 0;
  }
  if (s.logged < settings_.per_source && logged_ < cap_) {
    ++s.logged;
    ++logged_;
    return true;
  }
  ++s.held[k];
  return false;
}

void RefusalLimiter::prune(TimePoint now) {
  std::erase_if(sources_, [&](const auto& entry) {
    const Source& s = entry.second;
    return now - s.window_start >= settings_.interval && s.held[0] == 0 && s.held[1] == 0;
  });
}

std::vector<RefusalSummary> RefusalLimiter::take_summaries(TimePoint now) {
  std::vector<RefusalSummary> out;
  for (const RefusalKind kind : {RefusalKind::refusal, RefusalKind::budget}) {
    const auto k = static_cast<std::size_t>(kind);
    RefusalSummary summary{kind, overflow_[k], {}, overflow_[k]};
    overflow_[k] = 0;
    for (auto& [source, s] : sources_) {
      if (s.held[k] == 0) continue;
      summary.total += s.held[k];
      summary.sources.emplace_back(source, s.held[k]);
      s.held[k] = 0;
    }
    if (summary.total == 0) continue;
    std::sort(summary.sources.begin(), summary.sources.end(),
              [](const auto& a, const auto& b) { return a.second > b.second; });
    while (summary.sources.size() > settings_.summary_sources) {
      summary.other_sources += summary.sources.back().second;
      summary.sources.pop_back();
    }
    out.push_back(std::move(summary));
  }
  prune(now);
  return out;
}

}  // namespace outpost::channel

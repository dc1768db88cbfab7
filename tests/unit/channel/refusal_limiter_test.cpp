#include "channel/refusal_limiter.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

namespace outpost::channel {
namespace {

using std::chrono::seconds;

TEST(RefusalLimiter, TheFirstFewPerSourceAreLoggedThenCounted) {
  RefusalLimiter limiter(LimiterSettings{});
  const TimePoint t0 = Clock::now();
  int logged = 0;
  for (int i = 0; i < 2000; ++i)
    logged += limiter.admit(RefusalKind::refusal, "10.0.0.66", t0);
  EXPECT_EQ(logged, 5);
  EXPECT_TRUE(limiter.admit(RefusalKind::refusal, "10.0.0.7", t0));  // another source is heard
  const auto summaries = limiter.take_summaries(t0 + seconds(10));
  ASSERT_EQ(summaries.size(), 1U);
  EXPECT_EQ(summaries[0].kind, RefusalKind::refusal);
  EXPECT_EQ(summaries[0].total, 1995U);
  ASSERT_EQ(summaries[0].sources.size(), 1U);
  EXPECT_EQ(summaries[0].sources[0].first, "10.0.0.66");
  EXPECT_TRUE(limiter.take_summaries(t0 + seconds(20)).empty());  // nothing new held back
}

TEST(RefusalLimiter, ANewIntervalLogsAgain) {
  RefusalLimiter limiter(LimiterSettings{});
  const TimePoint t0 = Clock::now();
  for (int i = 0; i < 10; ++i)
    (void)limiter.admit(RefusalKind::budget, "10.0.0.66", t0);
  EXPECT_FALSE(limiter.admit(RefusalKind::budget, "10.0.0.66", t0 + seconds(59)));
  EXPECT_TRUE(limiter.admit(RefusalKind::budget, "10.0.0.66", t0 + seconds(60)));
  const auto summaries = limiter.take_summaries(t0 + seconds(61));
  ASSERT_EQ(summaries.size(), 1U);
  EXPECT_EQ(summaries[0].kind, RefusalKind::budget);
  EXPECT_EQ(summaries[0].total, 6U);
}

TEST(RefusalLimiter, TheMapOfSourcesIsBounded) {
  LimiterSettings settings;
  settings.max_sources = 100;
  settings.total_lines = 1000000;
  RefusalLimiter limiter(settings);
  const TimePoint t0 = Clock::now();
  int logged = 0;
  for (int i = 0; i < 10000; ++i) {
    logged += limiter.admit(RefusalKind::refusal, fmt::format("10.{}.{}.1", i / 256, i % 256), t0);
  }
  EXPECT_EQ(logged, 100);
  EXPECT_EQ(limiter.tracked_sources(), 100U);
  const auto summaries = limiter.take_summaries(t0 + seconds(1));
  ASSERT_EQ(summaries.size(), 1U);
  EXPECT_EQ(summaries[0].total, 9900U);
  EXPECT_EQ(summaries[0].other_sources, 9900U);
  // Once their interval ended, idle sources are forgotten and new ones tracked again.
  (void)limiter.take_summaries(t0 + seconds(61));
  EXPECT_EQ(limiter.tracked_sources(), 0U);
}

TEST(RefusalLimiter, AllSourcesTogetherHaveACapOfLines) {
  LimiterSettings settings;
  settings.total_lines = 50;
  RefusalLimiter limiter(settings);
  const TimePoint t0 = Clock::now();
  int logged = 0;
  for (int i = 0; i < 1000; ++i) {
    logged += limiter.admit(RefusalKind::refusal, fmt::format("10.0.{}.{}", i / 256, i % 256), t0);
  }
  EXPECT_EQ(logged, 50);
  const auto summaries = limiter.take_summaries(t0 + seconds(1));
  ASSERT_EQ(summaries.size(), 1U);
  EXPECT_EQ(summaries[0].total, 950U);
  EXPECT_EQ(summaries[0].sources.size(), settings.summary_sources);
  EXPECT_EQ(summaries[0].other_sources, 950U - settings.summary_sources);
}

TEST(RefusalLimiter, TheCapOfLinesShrinksWhileAFloodLasts) {
  LimiterSettings settings;
  settings.total_lines = 80;
  settings.min_total_lines = 10;
  RefusalLimiter limiter(settings);
  const TimePoint t0 = Clock::now();
  auto flood_for_one_interval = [&](int interval) {
    int logged = 0;
    const TimePoint t = t0 + interval * settings.interval;
    for (int i = 0; i < 1000; ++i) {
      logged += limiter.admit(RefusalKind::refusal,
                              fmt::format("10.{}.{}.{}", interval, i / 256, i % 256), t);
    }
    (void)limiter.take_summaries(t + settings.interval);  // as RefusalLog does, every few s
    return logged;
  };
  EXPECT_EQ(flood_for_one_interval(0), 80);
  EXPECT_EQ(flood_for_one_interval(1), 40);
  EXPECT_EQ(flood_for_one_interval(2), 20);
  EXPECT_EQ(flood_for_one_interval(3), 10);
  EXPECT_EQ(flood_for_one_interval(4), 10);  // never below the floor
  // A quiet interval (fewer than the cap) restores the whole cap after it.
  EXPECT_TRUE(limiter.admit(RefusalKind::refusal, "192.0.2.1", t0 + 5 * settings.interval));
  EXPECT_EQ(flood_for_one_interval(6), 80);
}

}  // namespace
}  // namespace outpost::channel

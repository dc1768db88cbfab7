#include "core/time.hpp"

#include <gtest/gtest.h>

namespace outpost {
namespace {

TEST(Time, FormatsAndParsesUtc) {
  const TimePoint t = std::chrono::sys_days(std::chrono::year(2026) / 11 / 22) +
                      std::chrono::hours(10) + std::chrono::minutes(4) + std::chrono::seconds(5) +
                      std::chrono::milliseconds(123);
  EXPECT_EQ(format_utc(t), "2026-11-22T10:04:05Z");
  EXPECT_EQ(format_utc(t, true), "2026-11-22T10:04:05.123Z");
  EXPECT_EQ(parse_time("2026-11-22T10:04:05.123Z", Clock::now()), t);
  EXPECT_EQ(parse_time("2026-11-22", Clock::now()),
            TimePoint(std::chrono::sys_days(std::chrono::year(2026) / 11 / 22)));
}

TEST(Time, ParsesDurationsBackFromNow) {
  const TimePoint now = Clock::now();
  EXPECT_EQ(parse_time("15m", now), now - std::chrono::minutes(15));
  EXPECT_EQ(parse_time("2h", now), now - std::chrono::hours(2));
  EXPECT_EQ(parse_time("7d", now), now - std::chrono::days(7));
  EXPECT_EQ(parse_time("90s", now), now - std::chrono::seconds(90));
}

TEST(Time, RejectsNonsense) {
  const TimePoint now = Clock::now();
  for (const char* bad : {"", "x", "15", "15y", "2026-13-01", "2026-11-22T25:00:00Z",
                          "2026-11-22T10:04:05", "2026-11-22T10:04:05+01:00", "-5m"}) {
    EXPECT_FALSE(parse_time(bad, now)) << bad;
  }
}

TEST(Time, DaysUntil) {
  const TimePoint now = Clock::now();
  EXPECT_EQ(days_until(now + std::chrono::days(3) + std::chrono::hours(5), now), 3);
  EXPECT_EQ(days_until(now - std::chrono::days(2), now), -2);
}

}  // namespace
}  // namespace outpost

// Time in Outpost is UTC wall-clock time (std::chrono::system_clock), written as ISO 8601.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace outpost {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

// "2026-11-22T10:04:05Z" (seconds precision) or with milliseconds "2026-11-22T10:04:05.123Z".
[[nodiscard]] std::string format_utc(TimePoint t, bool milliseconds = false);

// Parses "2026-11-22T10:04:05Z", "2026-11-22T10:04:05.123Z", "2026-11-22" (midnight UTC), or a
// duration back from `now`: "90s", "15m", "2h", "7d".
[[nodiscard]] std::optional<TimePoint> parse_time(std::string_view text, TimePoint now);

// Milliseconds since 1970, as the database and the wire keep times, and back.
[[nodiscard]] inline std::int64_t unix_ms(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
[[nodiscard]] inline TimePoint from_unix_ms(std::int64_t ms) {
  return TimePoint(std::chrono::milliseconds(ms));
}

// Whole days from `now` until `t` (negative when `t` is in the past), rounded toward zero.
[[nodiscard]] long days_until(TimePoint t, TimePoint now);

}  // namespace outpost

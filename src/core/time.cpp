#include "core/time.hpp"

#include <charconv>
#include <ctime>

#include <fmt/format.h>

namespace outpost {
namespace {

std::optional<int> digits(std::string_view text, std::size_t pos, std::size_t count) {
  if (pos + count > text.size()) {
    return std::nullopt;
  }
  int value = 0;
  const char* first = text.data() + pos;
  auto [ptr, ec] = std::from_chars(first, first + count, value);
  if (ec != std::errc{} || ptr != first + count) {
    return std::nullopt;
  }
  return value;
}

std::optional<TimePoint> parse_relative(std::string_view text, TimePoint now) {
  if (text.size() < 2) {
    return std::nullopt;
  }
  long amount = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, amount);
  if (ec != std::errc{} || ptr != text.data() + text.size() - 1 || amount < 0) {
    return std::nullopt;
  }
  switch (text.back()) {
    case 's':
      return now - std::chrono::seconds(amount);
    case 'm':
      return now - std::chrono::minutes(amount);
    case 'h':
      return now - std::chrono::hours(amount);
    case 'd':
      return now - std::chrono::days(amount);
    default:
      return std::nullopt;
  }
}

}  // namespace

std::string format_utc(TimePoint t, bool milliseconds) {
  const auto secs = std::chrono::floor<std::chrono::seconds>(t);
  const std::time_t tt = Clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", tm.tm_year + 1900,
                                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (milliseconds) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t - secs).count();
    out += fmt::format(".{:03}", ms);
  }
  out += 'Z';
  return out;
}

std::optional<TimePoint> parse_time(std::string_view text, TimePoint now) {
  if (auto relative = parse_relative(text, now)) {
    return relative;
  }
  auto year = digits(text, 0, 4);
  auto month = digits(text, 5, 2);
  auto day = digits(text, 8, 2);
  if (!year || !month || !day || text[4] != '-' || text[7] != '-') {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year(*year),
                                        std::chrono::month(static_cast<unsigned>(*month)),
                                        std::chrono::day(static_cast<unsigned>(*day))};
  if (!ymd.ok()) {
    return std::nullopt;
  }
  TimePoint t = std::chrono::sys_days(ymd);
  if (text.size() == 10) {
    return t;
  }
  auto hour = digits(text, 11, 2);
  auto minute = digits(text, 14, 2);
  auto second = digits(text, 17, 2);
  if (text[10] != 'T' || !hour || !minute || !second || text[13] != ':' || text[16] != ':' ||
      *hour > 23 || *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  t += std::chrono::hours(*hour) + std::chrono::minutes(*minute) + std::chrono::seconds(*second);
  std::string_view rest = text.substr(19);
  if (rest.size() == 5 && rest[0] == '.') {
    auto ms = digits(rest, 1, 3);
    if (!ms) {
      return std::nullopt;
    }
    t += std::chrono::milliseconds(*ms);
    rest = rest.substr(4);
  }
  if (rest != "Z") {
    return std::nullopt;
  }
  return t;
}

long days_until(TimePoint t, TimePoint now) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::days>(t - now).count());
}

}  // namespace outpost

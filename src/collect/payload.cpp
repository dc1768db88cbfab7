#include "collect/payload.hpp"

#include <chrono>
#include <cmath>

#include <nlohmann/json.hpp>

namespace outpost::collect {

std::string_view kind_name(Kind kind) {
  switch (kind) {
    case Kind::event:
      return "event";
    case Kind::sample:
      return "sample";
    case Kind::check:
      return "check";
  }
  return "event";
}

std::string_view status_name(CheckStatus status) {
  switch (status) {
    case CheckStatus::ok:
      return "ok";
    case CheckStatus::warning:
      return "warning";
    case CheckStatus::critical:
      return "critical";
    case CheckStatus::unknown:
      return "unknown";
  }
  return "unknown";
}

CheckStatus status_from_exit_code(int exit_code) {
  switch (exit_code) {
    case 0:
      return CheckStatus::ok;
    case 1:
      return CheckStatus::warning;
    case 2:
      return CheckStatus::critical;
    default:
      return CheckStatus::unknown;
  }
}

std::int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

// Lines from logs and plugins are not always UTF-8; nlohmann::json refuses invalid UTF-8 on
// dump, so invalid bytes are replaced with U+FFFD.
std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

Collected sample_item(const Sample& sample, std::int64_t unix_ms) {
  nlohmann::json j{{"counter", sample.counter},
                   {"instance", sample.instance},
                   {"value", std::isfinite(sample.value) ? sample.value : 0.0},
                   {"unit", sample.unit}};
  return Collected{Kind::sample, unix_ms, dump(j)};
}

Collected event_item(std::string_view source, Level level, std::string_view rule,
                     std::string_view message, std::int64_t unix_ms) {
  nlohmann::json j{
      {"source", source}, {"level", level_name(level)}, {"rule", rule}, {"message", message}};
  return Collected{Kind::event, unix_ms, dump(j)};
}

Collected check_item(const CheckResult& result, std::int64_t unix_ms) {
  nlohmann::json j{{"name", result.name},
                   {"status", status_name(result.status)},
                   {"exit_code", result.exit_code},
                   {"output", result.output},
                   {"duration_ms", result.duration_ms}};
  return Collected{Kind::check, unix_ms, dump(j)};
}

}  // namespace outpost::collect

// The JSON payloads of collected items (README.md documents the shapes).
#pragma once

#include <cstdint>
#include <string>

#include "collect/collect.hpp"

namespace outpost::collect {

struct Sample {
  std::string counter;   // "cpu.percent", "disk.free_bytes", "check.<name>.<label>", ...
  std::string instance;  // "/", "sda", "eth0", or ""
  double value = 0;
  std::string unit;  // "%", "B", "B/s", "/s", "" (load), or a perfdata unit of measure
};

enum class CheckStatus { ok, warning, critical, unknown };
[[nodiscard]] std::string_view status_name(CheckStatus status);
// The monitoring-plugins convention: 0 OK, 1 WARNING, 2 CRITICAL, anything else UNKNOWN.
[[nodiscard]] CheckStatus status_from_exit_code(int exit_code);

struct CheckResult {
  std::string name;
  CheckStatus status = CheckStatus::unknown;
  int exit_code = 3;   // -1 when the command did not run to an exit status
  std::string output;  // the first line
  std::int64_t duration_ms = 0;
};

[[nodiscard]] std::int64_t now_unix_ms();
[[nodiscard]] Collected sample_item(const Sample& sample, std::int64_t unix_ms);
[[nodiscard]] Collected event_item(std::string_view source, Level level, std::string_view rule,
                                   std::string_view message, std::int64_t unix_ms);
[[nodiscard]] Collected check_item(const CheckResult& result, std::int64_t unix_ms);

}  // namespace outpost::collect

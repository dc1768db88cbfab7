// The result of `outpost doctor`: an ordered list of findings, each tied to a numbered check,
// printed as a readable list or as JSON. A finding is data, not an error (docs/architecture.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/events.hpp"

namespace outpost::doctor {

// SKIP: the check could not run because an earlier one failed (the evidence says which).
enum class Status { pass, warn, fail, skip };

[[nodiscard]] std::string_view status_name(Status status);  // "PASS", "WARN", "FAIL", "SKIP"

struct Finding {
  int check = 0;        // the check's number (set by the runner)
  std::string name;     // the check's name (set by the runner)
  std::string subject;  // what it looked at when a check has several: "ms1.lab.test:5723"
  Status status = Status::pass;
  std::string evidence;
  std::string fix;                          // for WARN and FAIL
  EventId event = EventId::none;            // the related event id, for WARN and FAIL
  [[nodiscard]] std::string title() const;  // "name resolution (ms1.lab.test)"
};

[[nodiscard]] Finding passed(std::string evidence, std::string subject = {});
[[nodiscard]] Finding skipped(std::string evidence, std::string subject = {});
[[nodiscard]] Finding warned(EventId event, std::string evidence, std::string fix,
                             std::string subject = {});
[[nodiscard]] Finding failed(EventId event, std::string evidence, std::string fix,
                             std::string subject = {});

struct Report {
  std::string heading;  // "agent1.lab.test: agent in management group LAB (agent1.toml)"
  std::vector<Finding> findings;
};

[[nodiscard]] const Finding* first_failure(const Report& report);
[[nodiscard]] int exit_code(const Report& report);  // 1 when anything FAILs, else 0

[[nodiscard]] std::string format_text(const Report& report);
[[nodiscard]] nlohmann::json to_json(const Report& report);

}  // namespace outpost::doctor

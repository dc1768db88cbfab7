#include "doctor/report.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace outpost::doctor {

std::string_view status_name(Status status) {
  switch (status) {
    case Status::pass:
      return "PASS";
    case Status::warn:
      return "WARN";
    case Status::fail:
      return "FAIL";
    case Status::skip:
      return "SKIP";
  }
  return "FAIL";
}

std::string Finding::title() const {
  return subject.empty() ? name : fmt::format("{} ({})", name, subject);
}

Finding passed(std::string evidence, std::string subject) {
  return Finding{0, {}, std::move(subject), Status::pass, std::move(evidence), {}, EventId::none};
}

Finding skipped(std::string evidence, std::string subject) {
  return Finding{0, {}, std::move(subject), Status::skip, std::move(evidence), {}, EventId::none};
}

Finding warned(EventId event, std::string evidence, std::string fix, std::string subject) {
  return Finding{0,    {}, std::move(subject), Status::warn, std::move(evidence), std::move(fix),
                 event};
}

Finding failed(EventId event, std::string evidence, std::string fix, std::string subject) {
  return Finding{0,    {}, std::move(subject), Status::fail, std::move(evidence), std::move(fix),
                 event};
}

const Finding* first_failure(const Report& report) {
  const auto it = std::ranges::find(report.findings, Status::fail, &Finding::status);
  return it == report.findings.end() ? nullptr : &*it;
}

int exit_code(const Report& report) {
  return first_failure(report) == nullptr ? 0 : 1;
}

std::string format_text(const Report& report) {
  std::string out = fmt::format("outpost doctor: {}\n\n", report.heading);
  std::size_t width = 0;
  for (const auto& f : report.findings)
    width = std::max(width, f.title().size());
  width = std::min<std::size_t>(width, 44);
  int warnings = 0;
  int failures = 0;
  for (const auto& f : report.findings) {
    std::string event;
    if (f.status == Status::warn || f.status == Status::fail) {
      if (f.event != EventId::none) event = fmt::format("[{}] ", number(f.event));
      (f.status == Status::warn ? warnings : failures) += 1;
    }
    out += fmt::format("{:>2}  {}  {:<{}}  {}{}\n", f.check, status_name(f.status), f.title(),
                       width, event, f.evidence);
    if (!f.fix.empty() && (f.status == Status::warn || f.status == Status::fail)) {
      out += fmt::format("    {}  {:<{}}  fix: {}\n", "    ", "", width, f.fix);
    }
  }
  out += '\n';
  if (const Finding* first = first_failure(report)) {
    out += fmt::format("{} FAIL, {} WARN. Fix first: check {}, {}.\n", failures, warnings,
                       first->check, first->title());
  } else if (warnings > 0) {
    out += fmt::format("No failures; {} WARN.\n", warnings);
  } else {
    out += "Every check passed.\n";
  }
  return out;
}

namespace {

nlohmann::json finding_json(const Finding& f) {
  nlohmann::json j{{"check", f.check},
                   {"name", f.name},
                   {"status", status_name(f.status)},
                   {"evidence", f.evidence}};
  if (!f.subject.empty()) j["subject"] = f.subject;
  if (f.status == Status::warn || f.status == Status::fail) {
    j["fix"] = f.fix;
    j["event"] = number(f.event);
  }
  return j;
}

}  // namespace

nlohmann::json to_json(const Report& report) {
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& f : report.findings)
    checks.push_back(finding_json(f));
  const Finding* first = first_failure(report);
  return {{"heading", report.heading},
          {"ok", first == nullptr},
          {"checks", std::move(checks)},
          {"first_failure", first != nullptr ? finding_json(*first) : nlohmann::json(nullptr)}};
}

}  // namespace outpost::doctor

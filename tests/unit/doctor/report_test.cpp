// The report: statuses, the first failure, the exit code, and the text and JSON forms.
#include <gtest/gtest.h>

#include "doctor/context.hpp"
#include "doctor/report.hpp"

namespace outpost::doctor {
namespace {

Finding numbered(int check, std::string name, Finding f) {
  f.check = check;
  f.name = std::move(name);
  return f;
}

Report sample() {
  Report r;
  r.heading = "agent1.lab.test: agent in management group LAB (agent1.toml)";
  r.findings.push_back(numbered(1, "configuration", passed("agent1.toml is valid")));
  r.findings.push_back(numbered(
      2, "name resolution",
      warned(EventId::parent_name_unresolved, "no reverse entry", "add a PTR", "ms1.lab.test")));
  r.findings.push_back(numbered(3, "reachability",
                                failed(EventId::parent_connect_failed, "connection refused",
                                       "open port 5723", "ms1.lab.test:5723")));
  r.findings.push_back(numbered(8, "TLS", skipped("not tried", "ms1.lab.test:5723")));
  return r;
}

TEST(DoctorReport, StatusNames) {
  EXPECT_EQ(status_name(Status::pass), "PASS");
  EXPECT_EQ(status_name(Status::warn), "WARN");
  EXPECT_EQ(status_name(Status::fail), "FAIL");
  EXPECT_EQ(status_name(Status::skip), "SKIP");
}

TEST(DoctorReport, FirstFailureAndExitCode) {
  Report r = sample();
  ASSERT_NE(first_failure(r), nullptr);
  EXPECT_EQ(first_failure(r)->check, 3);
  EXPECT_EQ(exit_code(r), 1);
  r.findings.erase(r.findings.begin() + 2);
  EXPECT_EQ(first_failure(r), nullptr);
  EXPECT_EQ(exit_code(r), 0) << "a WARN alone does not fail the run";
}

TEST(DoctorReport, TitleNamesTheSubject) {
  EXPECT_EQ(sample().findings[1].title(), "name resolution (ms1.lab.test)");
  EXPECT_EQ(sample().findings[0].title(), "configuration");
}

TEST(DoctorReport, TextHasOneLinePerFindingFixesAndASummary) {
  const std::string text = format_text(sample());
  EXPECT_NE(text.find("outpost doctor: agent1.lab.test: agent"), std::string::npos);
  EXPECT_NE(text.find(" 1  PASS  configuration"), std::string::npos);
  EXPECT_NE(text.find(" 3  FAIL  reachability (ms1.lab.test:5723)  [21006] connection refused"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("fix: open port 5723"), std::string::npos);
  EXPECT_NE(text.find("[21005] no reverse entry"), std::string::npos);
  EXPECT_NE(text.find(" 8  SKIP  TLS"), std::string::npos);
  EXPECT_NE(text.find("1 FAIL, 1 WARN. Fix first: check 3, reachability (ms1.lab.test:5723)."),
            std::string::npos)
      << text;
}

TEST(DoctorReport, TextSummaryWhenEverythingPasses) {
  Report r;
  r.heading = "x";
  r.findings.push_back(numbered(1, "configuration", passed("ok")));
  EXPECT_NE(format_text(r).find("Every check passed."), std::string::npos);
}

TEST(DoctorReport, Json) {
  const auto j = to_json(sample());
  EXPECT_FALSE(j.at("ok").get<bool>());
  ASSERT_EQ(j.at("checks").size(), 4u);
  EXPECT_EQ(j["checks"][0]["status"], "PASS");
  EXPECT_FALSE(j["checks"][0].contains("fix")) << "a PASS has no fix";
  EXPECT_EQ(j["checks"][2]["event"], 21006);
  EXPECT_EQ(j["checks"][2]["fix"], "open port 5723");
  EXPECT_EQ(j["checks"][2]["subject"], "ms1.lab.test:5723");
  EXPECT_EQ(j["first_failure"]["check"], 3);
  EXPECT_EQ(j["first_failure"]["name"], "reachability");
  Report good;
  good.findings.push_back(numbered(1, "configuration", passed("ok")));
  EXPECT_TRUE(to_json(good).at("first_failure").is_null());
}

TEST(DoctorChecks, TheTableIsNumberedInOrder) {
  const auto checks = node_checks();
  ASSERT_EQ(checks.size(), 11u);
  for (std::size_t i = 0; i < checks.size(); ++i) {
    EXPECT_EQ(checks[i].number, static_cast<int>(i + 1));
    EXPECT_NE(checks[i].run, nullptr);
  }
  EXPECT_EQ(checks.front().name, "configuration");
  EXPECT_EQ(checks.back().name, "data flow");
}

TEST(DoctorChecks, AnInvalidConfigurationStopsAfterCheckOne) {
  Options o;
  o.config = "/nonexistent/outpost-doctor-test.toml";
  const Report r = run_node_checks(o);
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].check, 1);
  EXPECT_EQ(r.findings[0].status, Status::fail);
  EXPECT_EQ(r.findings[0].event, EventId::config_invalid);
  EXPECT_EQ(exit_code(r), 1);
}

}  // namespace
}  // namespace outpost::doctor

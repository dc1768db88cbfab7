// Monitors evaluated against a real SQLite database holding the items an agent sent.
#include <gtest/gtest.h>

#include <filesystem>

#include <fmt/format.h>

#include "alerts/evaluate.hpp"

namespace outpost::alerts {
namespace {

using storage::Severity;

storage::Computer approved(const std::string& fqdn) {
  storage::Computer c;
  c.fqdn = fqdn;
  c.approval = storage::Approval::approved;
  return c;
}

class Evaluate : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           fmt::format("outpost-alerts-{}-{}", ::getpid(),
                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto opened = storage::open_storage("sqlite://" + (dir_ / "ops.db").string());
    ASSERT_TRUE(opened) << opened.error().describe();
    db_ = std::move(*opened);
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Samples of `counter` from a1, one per `step` seconds, ending now.
  void samples(const std::string& counter, const std::vector<double>& values, int step = 10) {
    storage::IngestBatch batch{"a1", {}, seq_};
    const auto now_ms = millis(now_);
    for (std::size_t i = 0; i < values.size(); ++i) {
      const auto at = now_ms - static_cast<std::int64_t>(values.size() - 1 - i) * step * 1000;
      batch.items.push_back({++seq_, at, storage::ItemKind::sample, counter, "", "",
                             fmt::format(R"({{"counter":"{}","instance":"","value":{},"unit":""}})",
                                         counter, values[i])});
    }
    ASSERT_TRUE(db_->ingest({batch}));
  }
  static std::int64_t millis(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  }

  std::vector<Finding> run(const Monitor& m, const std::map<AlertKey, Severity>& current = {}) {
    AlertRules rules;
    rules.monitors = {m};
    auto found = evaluate(*db_, rules, {{approved("a1"), false}}, current, now_);
    EXPECT_TRUE(found) << found.error().describe();
    return found ? *found : std::vector<Finding>{};
  }

  std::filesystem::path dir_;
  std::unique_ptr<storage::Storage> db_;
  std::uint64_t seq_ = 0;
  TimePoint now_ = Clock::now();
};

Monitor cpu(int for_s = 0) {
  Monitor m;
  m.name = "cpu-high";
  m.counter = "cpu.percent";
  m.warning = 80;
  m.critical = 90;
  m.hysteresis = 5;
  m.for_s = for_s;
  return m;
}

TEST_F(Evaluate, ThresholdTakesTheLatestSampleWithoutAWindow) {
  samples("cpu.percent", {95, 50});
  EXPECT_TRUE(run(cpu()).empty());
  samples("cpu.percent", {95});
  const auto found = run(cpu());
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(found[0].severity, Severity::critical);
  EXPECT_EQ(found[0].monitor, "cpu-high");
}

TEST_F(Evaluate, ThresholdWithAWindowNeedsEverySampleBeyondForThatLong) {
  samples("cpu.percent", {50, 95, 95, 95}, 60);  // beyond for the last 120 s
  EXPECT_TRUE(run(cpu(300)).empty());
  const auto found = run(cpu(120));
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(found[0].severity, Severity::critical);
}

TEST_F(Evaluate, HysteresisKeepsASeverityUntilTheValueIsBackByIt) {
  samples("cpu.percent", {87});
  const auto fresh = run(cpu());
  ASSERT_EQ(fresh.size(), 1U);
  EXPECT_EQ(fresh[0].severity, Severity::warning);  // not critical: 87 < 90
  const auto held = run(cpu(), {{{"a1", "cpu-high"}, Severity::critical}});
  ASSERT_EQ(held.size(), 1U);
  EXPECT_EQ(held[0].severity, Severity::critical);  // 87 > 90 - 5
  samples("cpu.percent", {77});
  EXPECT_EQ(run(cpu(), {{{"a1", "cpu-high"}, Severity::warning}}).size(), 1U);  // 77 > 80 - 5
  samples("cpu.percent", {74});
  EXPECT_TRUE(run(cpu(), {{{"a1", "cpu-high"}, Severity::warning}}).empty());
}

TEST_F(Evaluate, BelowMonitorsAndBuiltIns) {
  samples("memory.available_bytes", {100});
  Monitor low;
  low.name = "mem-low";
  low.counter = "memory.available_bytes";
  low.above = false;
  low.warning = 1000;
  AlertRules rules;
  rules.monitors = {low};
  storage::Computer c = approved("a1");
  c.certificate_not_after = now_ + std::chrono::hours(24 * 10);
  c.last_heartbeat = now_ - std::chrono::minutes(5);
  c.parent = "gw1";
  auto found = evaluate(*db_, rules, {{c, true}}, {}, now_);
  ASSERT_TRUE(found);
  std::map<std::string, Severity> by_monitor;
  for (const auto& f : *found)
    by_monitor[f.monitor] = f.severity;
  EXPECT_EQ(by_monitor.at("mem-low"), Severity::warning);
  EXPECT_EQ(by_monitor.at("heartbeat"), Severity::critical);
  EXPECT_EQ(by_monitor.at("certificate"), Severity::warning);  // 10 days < 30
}

// Queue drops (from the gaps ingest saw), a gateway on its failover server, and an agent pending
// approval for too long; each resolves when its cause is gone.
TEST_F(Evaluate, QueueDropsFailoverAndPendingApproval) {
  ASSERT_TRUE(
      db_->ingest({{"a1", {{1, millis(now_), storage::ItemKind::event, "x", "", "", "{}"}}, 0}}));
  // a1's queue dropped 2..9: the next batch says it holds nothing between 1 and 10.
  ASSERT_TRUE(
      db_->ingest({{"a1", {{10, millis(now_), storage::ItemKind::event, "x", "", "", "{}"}}, 1}}));
  ASSERT_TRUE(db_->set_parents("gw1", {"ms1.lab.test:5723", "ms2.lab.test"}, now_));
  storage::Computer agent = approved("a1");
  storage::Computer gateway = approved("gw1");
  gateway.role = storage::Role::gateway;
  gateway.parent = "MS2.lab.test";  // connected to its failover server
  storage::Computer waiting;
  waiting.fqdn = "a2";
  waiting.approval = storage::Approval::pending;
  waiting.first_seen = now_ - std::chrono::hours(25);
  storage::Computer newcomer = waiting;
  newcomer.fqdn = "a3";
  newcomer.first_seen = now_ - std::chrono::hours(1);
  AlertRules rules;
  const std::vector<ComputerView> views{
      {agent, false}, {gateway, false}, {waiting, false}, {newcomer, false}};
  auto found = evaluate(*db_, rules, views, {}, now_);
  ASSERT_TRUE(found) << found.error().describe();
  std::map<AlertKey, std::string> summaries;
  for (const auto& f : *found)
    summaries[{f.computer, f.monitor}] = f.summary;
  ASSERT_EQ(summaries.size(), 3U);
  EXPECT_NE(summaries.at({"a1", "queue-drops"}).find("(8 in all)"), std::string::npos);
  EXPECT_NE(summaries.at({"gw1", "failover"}).find("failover management server MS2.lab.test"),
            std::string::npos);
  EXPECT_NE(summaries.at({"a2", "pending-approval"}).find("outpost agent approve a2"),
            std::string::npos);

  // An hour later the drop is past the window; the gateway failed back; a2 was approved.
  gateway.parent = "ms1.lab.test";
  waiting.approval = storage::Approval::approved;
  found = evaluate(*db_, rules, {{agent, false}, {gateway, false}, {waiting, false}}, {},
                   now_ + std::chrono::seconds(rules.queue_drop_window_s + 60));
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->empty());
}

}  // namespace
}  // namespace outpost::alerts

// From findings to alert changes: open, update with repeats, resolve, release, maintenance.
#include <gtest/gtest.h>

#include "alerts/lifecycle.hpp"

namespace outpost::alerts {
namespace {

using storage::AlertChange;
using storage::Severity;

storage::Alert active(std::int64_t id, std::string computer, std::string monitor,
                      storage::AlertState state = storage::AlertState::open) {
  storage::Alert a;
  a.id = id;
  a.computer = std::move(computer);
  a.monitor = std::move(monitor);
  a.state = state;
  a.last_seen = TimePoint(std::chrono::milliseconds(1000));
  return a;
}

TEST(AlertLifecycle, OpensUpdatesAndResolves) {
  const std::vector<storage::Alert> before{active(1, "a1", "cpu"), active(2, "a1", "disk"),
                                           active(3, "a2", "log", storage::AlertState::closed)};
  const std::vector<Finding> findings{
      {"a1", "cpu", Severity::critical, "worse", {}},
      {"a1", "cpu", Severity::warning, "duplicate finding", {}},
      {"a2", "mem", Severity::warning, "new", {}},
      {"a3", "log", Severity::warning, "lines", {500, 1500, 2500}},
  };
  const auto changes = plan_changes(before, findings, {}, {}, {}, TimePoint{});
  ASSERT_EQ(changes.size(), 5U);
  EXPECT_EQ(changes[0].kind, AlertChange::Kind::update);
  EXPECT_EQ(changes[0].alert_id, 1);
  EXPECT_EQ(changes[0].severity, Severity::critical);
  EXPECT_EQ(changes[1].kind, AlertChange::Kind::open);
  EXPECT_EQ(changes[1].monitor, "mem");
  EXPECT_EQ(changes[2].kind, AlertChange::Kind::open);
  EXPECT_EQ(changes[3].kind, AlertChange::Kind::resolve);  // disk is healthy
  EXPECT_EQ(changes[3].alert_id, 2);
  EXPECT_EQ(changes[4].kind, AlertChange::Kind::release);  // closed by hand, now healthy
  EXPECT_EQ(changes[4].alert_id, 3);
}

TEST(AlertLifecycle, RepeatsCountOnlyNewOccurrences) {
  const auto changes = plan_changes({active(7, "a1", "log")},
                                    {{"a1", "log", Severity::warning, "", {500, 1000, 1500, 2500}}},
                                    {}, {}, {}, TimePoint{});
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].repeats, 2);  // after last_seen (1000 ms): it counted none yet
  EXPECT_EQ(changes[0].newest_occurrence_ms, 2500);
}

// A line the agent produced before the last evaluation but that was stored after it (a gateway
// relaying late, an ingest batch still in flight) is counted once: by the newest occurrence
// counted, not by the time of the evaluation.
TEST(AlertLifecycle, ALateLineIsCountedOnceByItsProductionTime) {
  auto alert = active(7, "a1", "log");
  alert.last_seen = TimePoint(std::chrono::milliseconds(5000));  // evaluated at 5 s
  alert.newest_occurrence_ms = 1500;                             // had counted up to 1.5 s
  // The line of 2.5 s arrived after the evaluation at 5 s.
  auto changes = plan_changes({alert}, {{"a1", "log", Severity::warning, "", {500, 1500, 2500}}},
                              {}, {}, {}, TimePoint{});
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].repeats, 1);
  EXPECT_EQ(changes[0].newest_occurrence_ms, 2500);
  alert.newest_occurrence_ms = 2500;  // the next round: nothing new
  changes = plan_changes({alert}, {{"a1", "log", Severity::warning, "", {500, 1500, 2500}}}, {}, {},
                         {}, TimePoint{});
  EXPECT_EQ(changes[0].repeats, 0);
}

TEST(AlertLifecycle, AnOpenedLogAlertRemembersItsNewestOccurrence) {
  const auto changes = plan_changes({}, {{"a3", "log", Severity::warning, "", {500, 2500, 1500}}},
                                    {}, {}, {}, TimePoint{});
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].kind, AlertChange::Kind::open);
  EXPECT_EQ(changes[0].newest_occurrence_ms, 2500);
}

TEST(AlertLifecycle, AComputerInMaintenanceIsLeftAsItIs) {
  const auto changes =
      plan_changes({active(1, "a1", "cpu")}, {{"a1", "heartbeat", Severity::critical, "", {}}},
                   {"a1"}, {}, {}, TimePoint{});
  EXPECT_TRUE(changes.empty());
}

TEST(AlertLifecycle, SubscriptionsAskForNotificationsWithTheChange) {
  Subscription all;
  all.name = "all";
  all.delay_s = 60;
  Subscription critical;
  critical.name = "pager";
  critical.min_severity = Severity::critical;
  critical.on_resolve = false;
  Subscription other;
  other.name = "db-team";
  other.computers = "db*";
  const std::vector<Subscription> subs{all, critical, other};
  const TimePoint now{std::chrono::seconds(1000)};
  storage::Alert warning_alert = active(1, "a1", "cpu");
  warning_alert.severity = Severity::warning;
  const auto changes = plan_changes(
      {warning_alert, active(2, "a1", "disk")},
      {{"a1", "mem", Severity::warning, "", {}}, {"a1", "cpu", Severity::critical, "", {}}}, {},
      subs, {}, now);
  ASSERT_EQ(changes.size(), 3U);
  // mem opens as a warning: "all" after its delay; not the pager (critical only), not db-team.
  ASSERT_EQ(changes[0].notify.size(), 1U);
  EXPECT_EQ(changes[0].notify[0].subscription, "all");
  EXPECT_EQ(changes[0].notify[0].event, "opened");
  EXPECT_EQ(changes[0].notify[0].due, now + std::chrono::seconds(60));
  // cpu rises to critical: both ask (the outbox keeps one "opened" per subscription).
  ASSERT_EQ(changes[1].notify.size(), 2U);
  EXPECT_EQ(changes[1].notify[1].subscription, "pager");
  // disk resolves: "all" (on_resolve), not the pager.
  ASSERT_EQ(changes[2].kind, AlertChange::Kind::resolve);
  ASSERT_EQ(changes[2].notify.size(), 1U);
  EXPECT_EQ(changes[2].notify[0].event, "resolved");
}

// A subscription to a gateway hears of the gateway's alerts and of the computers connected
// through it, not of others.
TEST(AlertLifecycle, ASubscriptionToAGatewayCoversTheComputersBehindIt) {
  Subscription dmz;
  dmz.name = "dmz";
  dmz.gateway = "gw1.lab.test";
  const Parents parents{{"a1", "GW1.lab.test"}, {"a2", "ms1.lab.test"}, {"gw1.lab.test", "ms1"}};
  const auto changes = plan_changes({active(5, "a1", "disk")},
                                    {{"a1", "cpu", Severity::warning, "", {}},
                                     {"a2", "cpu", Severity::warning, "", {}},
                                     {"gw1.lab.test", "heartbeat", Severity::critical, "", {}}},
                                    {}, {dmz}, parents, TimePoint{});
  ASSERT_EQ(changes.size(), 4U);
  EXPECT_EQ(changes[0].notify.size(), 1U);  // a1, behind gw1
  EXPECT_TRUE(changes[1].notify.empty());   // a2, connected to ms1
  EXPECT_EQ(changes[2].notify.size(), 1U);  // gw1 itself
  ASSERT_EQ(changes[3].kind, AlertChange::Kind::resolve);
  EXPECT_EQ(changes[3].notify.size(), 1U);  // a1's disk resolves
}

}  // namespace
}  // namespace outpost::alerts

// Alerts, maintenance windows and leases against every backend under test (test_database.hpp).
#include <gtest/gtest.h>

#include <algorithm>

#include "storage/storage.hpp"
#include "storage_fixture.hpp"

namespace outpost::storage {
namespace {

using test::StorageTest;
using Kind = AlertChange::Kind;
constexpr auto kTtl = std::chrono::seconds(30);

AlertChange open_change(std::string computer, std::string monitor, Severity severity) {
  return {Kind::open, 0, std::move(computer), std::move(monitor), severity, "it broke", 0};
}

TEST_P(StorageTest, OneServerHoldsALeaseUntilItLapses) {
  auto one = open();
  auto two = open();
  ASSERT_TRUE(one && two);
  const auto now = Clock::now();
  EXPECT_TRUE(one->hold_lease("alerts", "ms1", now, kTtl).value());
  EXPECT_FALSE(two->hold_lease("alerts", "ms2", now, kTtl).value());
  EXPECT_TRUE(one->hold_lease("alerts", "ms1", now + std::chrono::seconds(10), kTtl).value());
  EXPECT_FALSE(two->hold_lease("alerts", "ms2", now + std::chrono::seconds(39), kTtl).value());
  // ms1 stopped renewing: 30 s after its last renewal, ms2 takes it, and ms1 cannot write.
  EXPECT_TRUE(two->hold_lease("alerts", "ms2", now + std::chrono::seconds(41), kTtl).value());
  const auto changed = one->apply_alert_changes("alerts", "ms1", now + std::chrono::seconds(42),
                                                {open_change("a1", "m", Severity::warning)});
  ASSERT_TRUE(changed);
  EXPECT_FALSE(*changed);
  EXPECT_TRUE(one->alerts({}).value().empty());
}

TEST_P(StorageTest, AnAlertOpensOnceUpdatesAndResolvesWithHistory) {
  auto db = open();
  ASSERT_TRUE(db);
  const auto now = Clock::now();
  ASSERT_TRUE(db->hold_lease("alerts", "ms1", now, kTtl).value());
  auto opened = db->apply_alert_changes(
      "alerts", "ms1", now,
      {open_change("a1", "cpu", Severity::warning), open_change("a1", "cpu", Severity::critical)});
  ASSERT_TRUE(opened && *opened);
  ASSERT_EQ((*opened)->size(), 1U);  // the second open of the same key does nothing
  const Alert first = (*opened)->front();
  EXPECT_EQ(first.state, AlertState::open);
  EXPECT_TRUE(first.active);
  ASSERT_TRUE(db->apply_alert_changes(
      "alerts", "ms1", now, {{Kind::update, first.id, "", "", Severity::critical, "worse", 2}}));
  auto updated = db->alert(first.id).value();
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->severity, Severity::critical);
  EXPECT_EQ(updated->repeat_count, 2);
  EXPECT_EQ(updated->summary, "worse");
  EXPECT_EQ(updated->newest_occurrence_ms, 0);
  // The newest occurrence counted only moves forward.
  storage::AlertChange later{Kind::update, first.id, "", "", Severity::critical, "worse", 1};
  later.newest_occurrence_ms = 2500;
  ASSERT_TRUE(db->apply_alert_changes("alerts", "ms1", now, {later}));
  later.newest_occurrence_ms = 1500;
  later.repeats = 0;
  ASSERT_TRUE(db->apply_alert_changes("alerts", "ms1", now, {later}));
  updated = db->alert(first.id).value();
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->newest_occurrence_ms, 2500);
  EXPECT_EQ(updated->repeat_count, 3);
  auto resolved = db->apply_alert_changes(
      "alerts", "ms1", now, {{Kind::resolve, first.id, "", "", Severity::critical, "fine", 0}});
  ASSERT_TRUE(resolved && *resolved);
  ASSERT_EQ((*resolved)->size(), 1U);
  EXPECT_EQ((*resolved)->front().state, AlertState::resolved);
  EXPECT_FALSE((*resolved)->front().active);
  std::vector<std::string> changes;
  const auto history = db->alert_history(first.id).value();
  for (const auto& h : history)
    changes.push_back(h.change);
  EXPECT_EQ(changes,
            (std::vector<std::string>{"opened", "severity", "repeated", "repeated", "resolved"}));
  // The key is free again: a new alert opens.
  auto again =
      db->apply_alert_changes("alerts", "ms1", now, {open_change("a1", "cpu", Severity::warning)});
  ASSERT_TRUE(again && *again);
  ASSERT_EQ((*again)->size(), 1U);
  EXPECT_NE((*again)->front().id, first.id);
}

TEST_P(StorageTest, AckAndCloseFollowTheLifecycle) {
  auto db = open();
  ASSERT_TRUE(db);
  const auto now = Clock::now();
  ASSERT_TRUE(db->hold_lease("alerts", "ms1", now, kTtl).value());
  auto opened = db->apply_alert_changes("alerts", "ms1", now,
                                        {open_change("a1", "disk", Severity::critical)});
  ASSERT_TRUE(opened && *opened && (*opened)->size() == 1U);
  const auto id = (*opened)->front().id;
  auto acked = db->set_alert_state(id, AlertState::acknowledged, "alice", "on it", now).value();
  ASSERT_TRUE(acked);
  EXPECT_EQ(acked->state, AlertState::acknowledged);
  EXPECT_EQ(acked->owner, "alice");
  auto closed = db->set_alert_state(id, AlertState::closed, "bob", "known", now).value();
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->state, AlertState::closed);
  EXPECT_TRUE(closed->active);  // the cause lasts: no second alert for the same key
  EXPECT_TRUE(closed->ended);
  EXPECT_EQ(db->set_alert_state(id, AlertState::acknowledged, "carol", "", now).value()->state,
            AlertState::closed);  // not allowed: unchanged
  auto reopened = db->apply_alert_changes("alerts", "ms1", now,
                                          {open_change("a1", "disk", Severity::critical)});
  ASSERT_TRUE(reopened && *reopened);
  EXPECT_TRUE((*reopened)->empty());
  // The monitor is healthy: the closed alert is released, and stays closed.
  auto released = db->apply_alert_changes(
      "alerts", "ms1", now, {{Kind::release, id, "", "", Severity::critical, "fine", 0}});
  ASSERT_TRUE(released && *released);
  EXPECT_TRUE((*released)->empty());
  auto after = db->alert(id).value();
  EXPECT_EQ(after->state, AlertState::closed);
  EXPECT_FALSE(after->active);
  EXPECT_FALSE(db->set_alert_state(999999, AlertState::closed, "x", "", now).value());
  AlertQuery unresolved;
  unresolved.unresolved_only = true;
  EXPECT_TRUE(db->alerts(unresolved).value().empty());
  AlertQuery closed_ones;
  closed_ones.state = AlertState::closed;
  closed_ones.computer = "a1";
  EXPECT_EQ(db->alerts(closed_ones).value().size(), 1U);
}

TEST_P(StorageTest, MaintenanceWindowsEndAndCanBeStopped) {
  auto db = open();
  ASSERT_TRUE(db);
  const auto now = Clock::now();
  ASSERT_TRUE(db->start_maintenance({"a1", now, now + std::chrono::minutes(30), "patch", "ops"}));
  ASSERT_TRUE(db->start_maintenance({"a2", now, now + std::chrono::minutes(5), "", "ops"}));
  EXPECT_EQ(db->maintenance_windows(now).value().size(), 2U);
  EXPECT_EQ(db->maintenance_windows(now + std::chrono::minutes(10)).value().size(), 1U);
  // A new window replaces the old one.
  ASSERT_TRUE(db->start_maintenance({"a1", now, now + std::chrono::minutes(1), "short", "ops"}));
  const auto later = db->maintenance_windows(now + std::chrono::minutes(2)).value();
  ASSERT_EQ(later.size(), 1U);  // a1's new window ended; a2's has not
  EXPECT_EQ(later.front().computer, "a2");
  EXPECT_TRUE(db->stop_maintenance("a2").value());
  EXPECT_FALSE(db->stop_maintenance("a2").value());
  EXPECT_EQ(db->maintenance_windows(now).value().front().reason, "short");
}

// The outbox: rows written with the alert change, due by time, only to the lease holder; a
// retry moves the due time, a success enqueues the follow-up; asking twice adds one row.
TEST_P(StorageTest, TheOutboxDeliversToTheLeaseHolderOnly) {
  auto db = open();
  auto other = open();
  ASSERT_TRUE(db && other);
  const auto now = Clock::now();
  ASSERT_TRUE(db->hold_lease("alerts", "ms1", now, kTtl).value());
  auto change = open_change("a1", "svc", Severity::critical);
  change.notify = {{"pager", "opened", 0, now},
                   {"mail", "opened", 0, now + std::chrono::minutes(5)}};
  auto opened = db->apply_alert_changes("alerts", "ms1", now, {change});
  ASSERT_TRUE(opened && *opened && (*opened)->size() == 1U);
  const auto id = (*opened)->front().id;
  // The same request again (a re-evaluation, a rise to critical) adds nothing.
  AlertChange again{Kind::update,       id,         "", "",
                    Severity::critical, "it broke", 0,  {{"pager", "opened", 0, now}}};
  ASSERT_TRUE(db->apply_alert_changes("alerts", "ms1", now, {again}));
  EXPECT_EQ(db->notifications(id, 100).value().size(), 2U);

  EXPECT_FALSE(other->due_notifications("alerts", "ms2", now, 10).value());  // not the holder
  auto due = db->due_notifications("alerts", "ms1", now, 10).value();
  ASSERT_TRUE(due);
  ASSERT_EQ(due->size(), 1U);  // the mail is due in 5 minutes
  const Notification n = due->front();
  EXPECT_EQ(n.subscription, "pager");
  EXPECT_EQ(n.alert.id, id);
  EXPECT_EQ(n.alert.monitor, "svc");

  // A failed attempt: pending again, due at the retry time.
  ASSERT_TRUE(db->record_delivery({n.id, DeliveryState::pending, "exit status 3", now,
                                   now + std::chrono::seconds(5), std::nullopt}));
  EXPECT_TRUE(db->due_notifications("alerts", "ms1", now, 10).value()->empty());
  auto retry = db->due_notifications("alerts", "ms1", now + std::chrono::seconds(6), 10).value();
  ASSERT_EQ(retry->size(), 1U);
  EXPECT_EQ(retry->front().attempts, 1);
  EXPECT_EQ(retry->front().last_error, "exit status 3");
  // Delivered, with its repeat queued.
  ASSERT_TRUE(
      db->record_delivery({n.id, DeliveryState::sent, "", now, now,
                           NotifyRequest{"pager", "repeat", 1, now + std::chrono::hours(1)}}));
  // Recording the same row twice changes nothing (it is no longer pending).
  ASSERT_TRUE(db->record_delivery({n.id, DeliveryState::failed, "late", now, now, std::nullopt}));
  const auto rows = db->notifications(id, 100).value();
  ASSERT_EQ(rows.size(), 3U);
  EXPECT_EQ(rows[0].event, "repeat");  // newest first
  EXPECT_EQ(rows[0].state, DeliveryState::pending);
  const auto sent = std::ranges::find_if(rows, [&](const auto& r) { return r.id == n.id; });
  ASSERT_NE(sent, rows.end());
  EXPECT_EQ(sent->state, DeliveryState::sent);
  EXPECT_EQ(sent->attempts, 2);
  EXPECT_TRUE(sent->done);
}

}  // namespace
}  // namespace outpost::storage

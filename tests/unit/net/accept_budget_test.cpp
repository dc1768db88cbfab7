#include "net/accept_budget.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace outpost::net {
namespace {

TEST(AcceptBudget, OneSourceCannotTakeTheSlotsOfOthers) {
  AcceptBudget budget(BudgetLimits{10, 3});
  std::vector<AcceptBudget::Slot> held;
  for (int i = 0; i < 3; ++i) {
    auto d = budget.admit("10.0.0.66");
    ASSERT_TRUE(d.slot);
    held.push_back(std::move(*d.slot));
  }
  for (int i = 0; i < 100; ++i) {  // the flood from one address
    const auto d = budget.admit("10.0.0.66");
    EXPECT_FALSE(d.slot);
    EXPECT_EQ(d.refusal, BudgetRefusal::per_source);
  }
  auto other = budget.admit("10.0.0.7");  // a legitimate agent still gets in
  EXPECT_TRUE(other.slot);
  const BudgetCounters c = budget.counters();
  EXPECT_EQ(c.in_progress, 4U);
  EXPECT_EQ(c.accepted, 4U);
  EXPECT_EQ(c.refused_per_source, 100U);
  EXPECT_EQ(c.refused_total, 0U);
}

TEST(AcceptBudget, TheTotalCapHolds) {
  AcceptBudget budget(BudgetLimits{2, 5});
  auto a = budget.admit("10.0.0.1");
  auto b = budget.admit("10.0.0.2");
  const auto c = budget.admit("10.0.0.3");
  ASSERT_TRUE(a.slot && b.slot);
  EXPECT_FALSE(c.slot);
  EXPECT_EQ(c.refusal, BudgetRefusal::total);
  EXPECT_EQ(budget.counters().refused_total, 1U);
}

TEST(AcceptBudget, ASlotIsReleasedWhenItsConnectionEnds) {
  AcceptBudget budget(BudgetLimits{1, 1});
  {
    auto a = budget.admit("10.0.0.1");
    ASSERT_TRUE(a.slot);
    AcceptBudget::Slot moved = std::move(*a.slot);  // moving does not release twice
    a.slot.reset();
    EXPECT_EQ(budget.counters().in_progress, 1U);
    EXPECT_FALSE(budget.admit("10.0.0.1").slot);
  }
  EXPECT_EQ(budget.counters().in_progress, 0U);
  EXPECT_EQ(budget.sources_in_progress(), 0U);  // the map only holds sources with slots
  EXPECT_TRUE(budget.admit("10.0.0.1").slot);
}

TEST(AcceptBudget, ASlotMayOutliveItsBudget) {
  std::optional<AcceptBudget::Slot> slot;
  {
    AcceptBudget budget(BudgetLimits{1, 1});
    auto d = budget.admit("10.0.0.1");
    slot.emplace(std::move(*d.slot));
  }
  slot.reset();  // no use after free (ASan)
}

TEST(AcceptBudget, CopiesShareTheirCounters) {
  AcceptBudget budget(BudgetLimits{4, 4});
  AcceptBudget copy = budget;
  auto d = copy.admit("10.0.0.1");
  copy.note_deadline_expired();
  EXPECT_EQ(budget.counters().in_progress, 1U);
  EXPECT_EQ(budget.counters().deadline_expired, 1U);
}

TEST(AcceptBudget, WhenFullTheOldestSilentConnectionMakesRoom) {
  AcceptBudget budget(BudgetLimits{3, 5});
  int closed_a = 0;
  int closed_b = 0;
  auto a = budget.admit("10.0.0.1");  // junk: sends nothing
  auto b = budget.admit("10.0.0.2");  // junk too, younger
  auto c = budget.admit("10.0.0.3");  // an agent that sent its ClientHello
  ASSERT_TRUE(a.slot && b.slot && c.slot);
  a.slot->watch([] { return true; }, [&] { ++closed_a; });
  b.slot->watch([] { return true; }, [&] { ++closed_b; });
  c.slot->talking();
  auto d = budget.admit("10.0.0.4");
  ASSERT_TRUE(d.slot);
  EXPECT_EQ(closed_a, 1);  // the oldest silent one
  EXPECT_EQ(closed_b, 0);
  EXPECT_TRUE(a.slot->evicted());
  BudgetCounters n = budget.counters();
  EXPECT_EQ(n.in_progress, 3U);
  EXPECT_EQ(n.evicted_silent, 1U);
  a.slot.reset();  // its coroutine ends later: released once only
  EXPECT_EQ(budget.counters().in_progress, 3U);
  EXPECT_EQ(budget.sources_in_progress(), 3U);
}

TEST(AcceptBudget, ConnectionsWithBytesWaitingAreNeverClosedToMakeRoom) {
  AcceptBudget budget(BudgetLimits{2, 5});
  int closed = 0;
  auto a = budget.admit("10.0.0.1");
  auto b = budget.admit("10.0.0.2");
  ASSERT_TRUE(a.slot && b.slot);
  a.slot->watch([] { return false; }, [&] { ++closed; });  // its ClientHello waits unread
  b.slot->talking();
  auto c = budget.admit("10.0.0.3");
  EXPECT_FALSE(c.slot);
  EXPECT_EQ(c.refusal, BudgetRefusal::total);
  EXPECT_EQ(closed, 0);
  EXPECT_FALSE(a.slot->evicted());
  EXPECT_EQ(budget.counters().refused_total, 1U);
  EXPECT_EQ(budget.counters().evicted_silent, 0U);
}

TEST(AcceptBudget, ASourceAtItsCapClosesNobodysConnection) {
  AcceptBudget budget(BudgetLimits{2, 1});
  int closed = 0;
  auto a = budget.admit("10.0.0.1");
  auto b = budget.admit("10.0.0.66");
  ASSERT_TRUE(a.slot && b.slot);
  a.slot->watch([] { return true; }, [&] { ++closed; });
  b.slot->watch([] { return true; }, [&] { ++closed; });
  auto c = budget.admit("10.0.0.66");
  EXPECT_FALSE(c.slot);
  EXPECT_EQ(c.refusal, BudgetRefusal::per_source);
  EXPECT_EQ(closed, 0);
}

}  // namespace
}  // namespace outpost::net

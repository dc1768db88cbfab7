// Topology and the data path against every backend under test: parent lists, exactly-once
// ingest with the high-water mark, queries, check states and grooming.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "storage_fixture.hpp"

namespace outpost::storage {
namespace {

using test::StorageTest;

IngestBatch batch(const std::string& origin, std::uint64_t first, std::uint64_t count,
                  ItemKind kind = ItemKind::sample, std::int64_t produced_ms = 1000) {
  IngestBatch b{origin, {}};
  for (std::uint64_t seq = first; seq < first + count; ++seq) {
    b.items.push_back({seq, produced_ms + static_cast<std::int64_t>(seq), kind, "cpu.percent",
                       kind == ItemKind::check ? "warning" : "",
                       kind == ItemKind::check ? "DISK WARNING - " + std::to_string(seq) : "",
                       R"({"counter":"cpu.percent","value":)" + std::to_string(seq) + "}"});
  }
  return b;
}

TEST_P(StorageTest, ParentListsAreStoredInOrderAndReplaced) {
  auto db = open();
  ASSERT_TRUE(db);
  EXPECT_TRUE(db->parents_of("gw1.lab.test").value().empty());
  const auto now = Clock::now();
  ASSERT_TRUE(db->set_parents("gw1.lab.test", {"ms2.lab.test:5723", "ms1.lab.test:5723"}, now));
  EXPECT_EQ(db->parents_of("gw1.lab.test").value(),
            (std::vector<std::string>{"ms2.lab.test:5723", "ms1.lab.test:5723"}));
  ASSERT_TRUE(db->set_parents("gw1.lab.test", {"ms1.lab.test:5723"}, now));
  EXPECT_EQ(db->parents_of("gw1.lab.test").value(),
            (std::vector<std::string>{"ms1.lab.test:5723"}));
}

TEST_P(StorageTest, IngestWritesEachItemOnceAndMovesTheMark) {
  auto db = open();
  ASSERT_TRUE(db);
  auto first = db->ingest({batch("a1.lab.test", 1, 5), batch("a2.lab.test", 1, 2)});
  ASSERT_TRUE(first) << first.error().describe();
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].through_seq, 5u);
  EXPECT_EQ((*first)[0].written, 5u);
  EXPECT_EQ((*first)[1].through_seq, 2u);
  // A resend overlapping what is stored: only the new items are written.
  auto again = db->ingest({batch("a1.lab.test", 3, 5)});
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)[0].duplicates, 3u);
  EXPECT_EQ((*again)[0].written, 2u);
  EXPECT_EQ((*again)[0].through_seq, 7u);
  EXPECT_EQ(db->high_water_mark("a1.lab.test").value(), 7u);
  auto items = db->items({"a1.lab.test", ItemKind::sample, {"cpu.percent"}, std::nullopt, 100});
  ASSERT_TRUE(items);
  ASSERT_EQ(items->size(), 7u);
  for (std::size_t i = 0; i < items->size(); ++i)
    EXPECT_EQ((*items)[i].seq, i + 1);  // oldest first, no gaps, no repeats
}

TEST_P(StorageTest, ARefusedItemIsAcknowledgedAndNotStored) {
  auto db = open();
  ASSERT_TRUE(db);
  auto b = batch("a1.lab.test", 1, 4);
  b.items[1].refused = "field 'counter' is a number (expected a string)";
  b.items[3].refused = "the payload is not JSON (expected a JSON object)";
  auto r = db->ingest({b});
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ((*r)[0].through_seq, 4u);  // the mark moves past refused items: no resend
  EXPECT_EQ((*r)[0].written, 2u);
  EXPECT_EQ((*r)[0].refused, (std::vector<std::uint64_t>{2, 4}));
  EXPECT_EQ(db->high_water_mark("a1.lab.test").value(), 4u);
  auto items = db->items({"a1.lab.test", ItemKind::sample, {}, std::nullopt, 100});
  ASSERT_TRUE(items);
  ASSERT_EQ(items->size(), 2u);
  EXPECT_EQ((*items)[0].seq, 1u);
  EXPECT_EQ((*items)[1].seq, 3u);
  // Sent again: duplicates, not refused (and not logged) a second time.
  auto again = db->ingest({b});
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)[0].duplicates, 4u);
  EXPECT_TRUE((*again)[0].refused.empty());
}

TEST_P(StorageTest, TwoBatchesOfOneOriginInOneCommit) {
  auto db = open();
  ASSERT_TRUE(db);
  auto r = db->ingest(
      {batch("a1.lab.test", 1, 3), batch("a1.lab.test", 4, 3), batch("a1.lab.test", 2, 2)});
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)[1].through_seq, 6u);
  EXPECT_EQ((*r)[2].duplicates, 2u);
  EXPECT_EQ((*r)[2].through_seq, 6u);
}

TEST_P(StorageTest, AGapTheOriginDroppedIsReportedAndAccepted) {
  auto db = open();
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->ingest({batch("a1.lab.test", 1, 2)}));
  IngestBatch after_drop = batch("a1.lab.test", 10, 2);
  after_drop.previous_seq = 2;  // the origin holds nothing between 2 and 10: its caps dropped it
  auto r = db->ingest({after_drop});
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)[0].gap_from, 3u);
  EXPECT_EQ((*r)[0].gap_to, 9u);
  EXPECT_EQ((*r)[0].through_seq, 11u);
  EXPECT_FALSE((*r)[0].out_of_order);
  // The drop is kept for the queue-drops monitor: a running total and when the last one came.
  const auto before = Clock::now() - std::chrono::minutes(1);
  IngestBatch again = batch("a1.lab.test", 20, 1);
  again.previous_seq = 11;
  ASSERT_TRUE(db->ingest({again, batch("a2.lab.test", 1, 1)}));
  auto drops = db->queue_drops(before);
  ASSERT_TRUE(drops) << drops.error().describe();
  ASSERT_EQ(drops->size(), 1u);
  EXPECT_EQ((*drops)[0].origin, "a1.lab.test");
  EXPECT_EQ((*drops)[0].dropped_items, 7u + 8u);
  EXPECT_GE((*drops)[0].last_drop, before);
  drops = db->queue_drops(Clock::now() + std::chrono::minutes(1));
  ASSERT_TRUE(drops);
  EXPECT_TRUE(drops->empty());
}

// A relay dropped the batch 3..5: the origin still holds it, so writing 6..7 would make 3..5
// duplicates when they are sent again, lost for good. The batch is refused, and the resend is
// written once.
TEST_P(StorageTest, ABatchOutOfOrderIsRefusedUntilTheMissingOnesCome) {
  auto db = open();
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->ingest({batch("a1.lab.test", 1, 2)}));
  IngestBatch later = batch("a1.lab.test", 6, 2);
  later.previous_seq = 5;
  auto r = db->ingest({later});
  ASSERT_TRUE(r);
  EXPECT_TRUE((*r)[0].out_of_order);
  EXPECT_EQ((*r)[0].written, 0u);
  EXPECT_EQ((*r)[0].through_seq, 2u);
  IngestBatch missing = batch("a1.lab.test", 3, 3);
  missing.previous_seq = 2;
  r = db->ingest({missing, later});
  ASSERT_TRUE(r);
  EXPECT_FALSE((*r)[0].out_of_order);
  EXPECT_FALSE((*r)[1].out_of_order);
  EXPECT_EQ((*r)[1].through_seq, 7u);
  EXPECT_EQ((*r)[1].gap_from, 0u);
  auto items = db->items({"a1.lab.test", std::nullopt, {}, std::nullopt, 100});
  ASSERT_TRUE(items);
  EXPECT_EQ(items->size(), 7u);
}

TEST_P(StorageTest, ChecksKeepTheirLatestStateAndGroomingDeletesByKindAndAge) {
  auto db = open();
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->ingest({batch("a1.lab.test", 1, 3, ItemKind::check, 1000),
                          batch("a1.lab.test", 4, 2, ItemKind::event, 1000)}));
  auto states = db->check_states();
  ASSERT_TRUE(states);
  ASSERT_EQ(states->size(), 1u);
  EXPECT_EQ((*states)[0].status, "warning");
  EXPECT_EQ((*states)[0].produced_ms, 1003);
  EXPECT_EQ((*states)[0].output, "DISK WARNING - 3");    // the latest, its first line only
  const TimePoint cut{std::chrono::milliseconds(1004)};  // checks 1..3 are older
  EXPECT_EQ(db->groom(ItemKind::check, cut).value(), 3u);
  EXPECT_EQ(db->groom(ItemKind::event, TimePoint{std::chrono::milliseconds(0)}).value(), 0u);
  EXPECT_EQ(db->items({"a1.lab.test", std::nullopt, {}, std::nullopt, 100}).value().size(), 2u);
  EXPECT_EQ(db->high_water_mark("a1.lab.test").value(), 5u);  // grooming never moves the mark
}

IngestItem sample(std::uint64_t seq, std::int64_t produced_ms, const std::string& counter,
                  const std::string& instance, double value, const std::string& unit) {
  return {seq,
          produced_ms,
          ItemKind::sample,
          counter,
          "",
          "",
          fmt::format(R"({{"counter":"{}","instance":"{}","value":{},"unit":"{}"}})", counter,
                      instance, value, unit)};
}

TEST_P(StorageTest, ASeriesIsCutIntoBucketsAndAggregatedByTheDatabase) {
  auto db = open();
  ASSERT_TRUE(db);
  IngestBatch b{"a1.lab.test", {}};
  std::uint64_t seq = 0;
  // cpu.percent at 1000..1009 ms: values 0..9; disk.free of two instances; another origin.
  for (int i = 0; i < 10; ++i)
    b.items.push_back(sample(++seq, 1000 + i, "cpu.percent", "", i, "%"));
  // A JSON number beyond a double's range passes ingest; a series leaves it out.
  b.items.push_back({++seq, 1005, ItemKind::sample, "cpu.percent", "", "",
                     R"({"counter":"cpu.percent","instance":"","value":1e400,"unit":"%"})"});
  b.items.push_back(sample(++seq, 1002, "disk.free", "/", 10, "MB"));
  b.items.push_back(sample(++seq, 1003, "disk.free", "/var", 20, "MB"));
  ASSERT_TRUE(db->ingest({b, {"a2.lab.test", {sample(1, 1001, "cpu.percent", "", 99, "%")}}}));

  // [1000, 1010] in 2 buckets of 5 ms: 1000..1004 and 1005..1010 (the end belongs to the last).
  auto cpu = db->series({"a1.lab.test", "cpu.percent", "", 1000, 1010, 2});
  ASSERT_TRUE(cpu) << cpu.error().describe();
  EXPECT_EQ(cpu->unit, "%");
  ASSERT_EQ(cpu->buckets.size(), 2u);
  EXPECT_EQ(cpu->buckets[0].index, 0);
  EXPECT_EQ(cpu->buckets[0].count, 5);
  EXPECT_DOUBLE_EQ(cpu->buckets[0].min, 0);
  EXPECT_DOUBLE_EQ(cpu->buckets[0].avg, 2);
  EXPECT_DOUBLE_EQ(cpu->buckets[0].max, 4);
  EXPECT_EQ(cpu->buckets[1].index, 1);
  EXPECT_EQ(cpu->buckets[1].count, 5);
  EXPECT_DOUBLE_EQ(cpu->buckets[1].avg, 7);
  // Buckets without samples are left out; the range bounds the samples.
  auto late = db->series({"a1.lab.test", "cpu.percent", "", 1008, 1108, 10});
  ASSERT_TRUE(late);
  ASSERT_EQ(late->buckets.size(), 1u);
  EXPECT_EQ(late->buckets[0].count, 2);
  EXPECT_DOUBLE_EQ(late->buckets[0].max, 9);
  // One instance, or all of them.
  auto var = db->series({"a1.lab.test", "disk.free", "/var", 0, 2000, 1});
  ASSERT_TRUE(var);
  ASSERT_EQ(var->buckets.size(), 1u);
  EXPECT_DOUBLE_EQ(var->buckets[0].avg, 20);
  EXPECT_EQ(var->unit, "MB");
  auto disks = db->series({"a1.lab.test", "disk.free", "", 0, 2000, 1});
  ASSERT_TRUE(disks);
  EXPECT_EQ(disks->buckets.at(0).count, 2);
  auto none = db->series({"a1.lab.test", "no.such", "", 0, 2000, 10});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->buckets.empty());
  EXPECT_EQ(none->unit, "");
}

TEST_P(StorageTest, CounterNamesAreTheOnesWithSamplesSinceATime) {
  auto db = open();
  ASSERT_TRUE(db);
  IngestBatch b{"a1.lab.test", {}};
  b.items.push_back(sample(1, 1000, "old.counter", "", 1, ""));
  b.items.push_back(sample(2, 5000, "cpu.percent", "", 1, "%"));
  b.items.push_back(sample(3, 5001, "cpu.percent", "", 2, "%"));
  b.items.push_back(sample(4, 5002, "disk.free", "/", 2, "MB"));
  ASSERT_TRUE(db->ingest({b, batch("a1.lab.test", 5, 1, ItemKind::event, 6000)}));
  const TimePoint since{std::chrono::milliseconds(2000)};
  EXPECT_EQ(db->counter_names("a1.lab.test", since).value(),
            (std::vector<std::string>{"cpu.percent", "disk.free"}));
  EXPECT_EQ(db->counter_names("a1.lab.test", TimePoint{}).value(),
            (std::vector<std::string>{"cpu.percent", "disk.free", "old.counter"}));
  EXPECT_TRUE(db->counter_names("a2.lab.test", TimePoint{}).value().empty());
}

}  // namespace
}  // namespace outpost::storage

#include "queue/durable_queue.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/files.hpp"
#include "queue/record.hpp"
#include "queue_fixture.hpp"

namespace outpost::queue::testing {
namespace {

constexpr std::size_t kRecord200 = kRecordOverhead + 200;  // one test item on disk

TEST_F(QueueTest, AppendPeekAckInOrder) {
  auto q = open_queue();
  ASSERT_TRUE(q);
  EXPECT_EQ(q->stats().next_seq, 1U);
  EXPECT_TRUE(peek_all(*q).empty());
  append_range(*q, 1, 20);
  ASSERT_TRUE(q->flush());

  auto items = peek_all(*q);
  ASSERT_EQ(items.size(), 20U);
  for (std::size_t i = 0; i < items.size(); ++i) {
    EXPECT_EQ(items[i].seq, i + 1);
    EXPECT_EQ(items[i].payload, payload_for(i + 1));
    EXPECT_EQ(items[i].kind, ItemKind::sample);
    EXPECT_EQ(items[i].produced_unix_ms, 1'700'000'000'000);
  }
  // Peeking does not consume: the agent peeks past what is in flight.
  const auto after5 = q->peek(5, 3, SIZE_MAX);
  ASSERT_EQ(after5.size(), 3U);
  EXPECT_EQ(after5.front().seq, 6U);
  EXPECT_EQ(after5.back().seq, 8U);

  ASSERT_TRUE(q->ack(10));
  items = peek_all(*q);
  ASSERT_EQ(items.size(), 10U);
  EXPECT_EQ(items.front().seq, 11U);
  const auto st = q->stats();
  EXPECT_EQ(st.items, 10U);
  EXPECT_EQ(st.bytes, 10 * kRecord200);
  EXPECT_EQ(st.acked_through, 10U);
  EXPECT_EQ(st.next_seq, 21U);

  // An old ack changes nothing; an ack past the end is clamped to what exists.
  ASSERT_TRUE(q->ack(3));
  EXPECT_EQ(q->stats().acked_through, 10U);
  ASSERT_TRUE(q->ack(1000));
  EXPECT_EQ(q->stats().acked_through, 20U);
  EXPECT_EQ(q->stats().items, 0U);
  EXPECT_TRUE(peek_all(*q).empty());
  EXPECT_EQ(*q->append(ItemKind::event, "x", 1), 21U);
}

TEST_F(QueueTest, PeekHonoursItemAndByteLimitsAndReturnsAtLeastOne) {
  auto q = open_queue({.max_bytes = 1 << 20,
                       .max_age = std::chrono::hours(1),
                       .segment_bytes = 2048});  // several segments
  ASSERT_TRUE(q);
  append_range(*q, 1, 40);
  ASSERT_GT(q->segment_count(), 3U);
  EXPECT_EQ(q->peek(0, 7, SIZE_MAX).size(), 7U);
  EXPECT_EQ(q->peek(0, SIZE_MAX, 1000).size(), 5U);  // 5 x 200 bytes of payload
  EXPECT_EQ(q->peek(0, SIZE_MAX, 999).size(), 4U);
  EXPECT_EQ(q->peek(0, SIZE_MAX, 1).size(), 1U);  // an item larger than the budget still goes
  EXPECT_TRUE(q->peek(0, 0, SIZE_MAX).empty());
  // Across segment boundaries, from any point.
  for (std::uint64_t after = 0; after <= 40; ++after) {
    const auto items = q->peek(after, 13, SIZE_MAX);
    ASSERT_EQ(items.size(), std::min<std::uint64_t>(13, 40 - after)) << after;
    for (std::size_t i = 0; i < items.size(); ++i) {
      ASSERT_EQ(items[i].seq, after + 1 + i);
      ASSERT_EQ(items[i].payload, payload_for(after + 1 + i));
    }
  }
}

TEST_F(QueueTest, ReopenContinuesSeqsAndDoesNotReturnAckedItems) {
  {
    auto q = open_queue();
    ASSERT_TRUE(q);
    append_range(*q, 1, 30);
    ASSERT_TRUE(q->ack(12));
  }
  {
    auto q = open_queue();
    ASSERT_TRUE(q);
    EXPECT_EQ(q->recovery().items, 18U);
    EXPECT_TRUE(q->recovery().damage.empty());
    const auto st = q->stats();
    EXPECT_EQ(st.next_seq, 31U);
    EXPECT_EQ(st.acked_through, 12U);
    EXPECT_EQ(st.items, 18U);
    const auto items = peek_all(*q);
    ASSERT_EQ(items.size(), 18U);
    EXPECT_EQ(items.front().seq, 13U);
    EXPECT_EQ(items.back().seq, 30U);
    append_range(*q, 31, 35);
    ASSERT_TRUE(q->ack(35));
  }
  // Everything acked: the seq still continues (the meta file keeps it).
  auto q = open_queue();
  ASSERT_TRUE(q);
  EXPECT_EQ(q->stats().items, 0U);
  EXPECT_TRUE(peek_all(*q).empty());
  EXPECT_EQ(*q->append(ItemKind::check, "next", 1), 36U);
  EXPECT_EQ(count_events(EventId::queue_damaged), 0U);
}

TEST_F(QueueTest, TornTailIsCutOffWithoutLosingEarlierItems) {
  {
    auto q = open_queue();
    ASSERT_TRUE(q);
    append_range(*q, 1, 10);
  }
  auto files = segment_files();
  ASSERT_EQ(files.size(), 1U);
  const auto full = std::filesystem::file_size(files[0]);
  ASSERT_EQ(full, kSegmentHeaderSize + 10 * kRecord200);
  // The last record cut short in the middle of its payload.
  std::filesystem::resize_file(files[0], full - 100);
  {
    auto q = open_queue();
    ASSERT_TRUE(q);
    EXPECT_EQ(count_events(EventId::queue_damaged), 1U);
    EXPECT_EQ(q->recovery().bytes_cut, kRecord200 - 100);
    ASSERT_EQ(q->recovery().damage.size(), 1U);
    const auto items = peek_all(*q);
    ASSERT_EQ(items.size(), 9U);
    for (std::size_t i = 0; i < items.size(); ++i) {
      EXPECT_EQ(items[i].seq, i + 1);
      EXPECT_EQ(items[i].payload, payload_for(i + 1));
    }
    // Seq 10 may have been sent before the crash: it is never given to another item.
    EXPECT_EQ(*q->append(ItemKind::sample, payload_for(11), 1), 11U);
  }
  // The cut is permanent: a second open finds nothing wrong.
  auto q = open_queue();
  ASSERT_TRUE(q);
  EXPECT_EQ(count_events(EventId::queue_damaged), 1U);
  EXPECT_EQ(peek_all(*q).size(), 10U);
}

TEST_F(QueueTest, GarbageAfterTheLastRecordIsCutOff) {
  {
    auto q = open_queue();
    ASSERT_TRUE(q);
    append_range(*q, 1, 10);
  }
  const auto file = segment_files().at(0);
  const auto good = std::filesystem::file_size(file);
  const std::string garbage = std::string("\x30\0\0\0", 4) + "garbage that is not a record";
  append_bytes(file, garbage);
  append_bytes(file, std::string(4096, '\0'));  // a file system that extended with zeros
  {
    auto q = open_queue();
    ASSERT_TRUE(q);
    EXPECT_EQ(count_events(EventId::queue_damaged), 1U);
    EXPECT_EQ(q->recovery().bytes_cut, garbage.size() + 4096U);
    EXPECT_EQ(std::filesystem::file_size(file), good);
    ASSERT_EQ(peek_all(*q).size(), 10U);
    append_range(*q, 11, 12);  // appended right after the last good record
  }
  auto q = open_queue();
  ASSERT_TRUE(q);
  EXPECT_EQ(count_events(EventId::queue_damaged), 1U);
  const auto items = peek_all(*q);
  ASSERT_EQ(items.size(), 12U);
  EXPECT_EQ(items.back().payload, payload_for(12));
}

TEST_F(QueueTest, DamageInAnOlderSegmentKeepsTheSegmentsAfterIt) {
  const QueueLimits limits{.max_bytes = 1 << 20,
                           .max_age = std::chrono::hours(1),
                           .segment_bytes = 1024};  // 5 items a segment
  {
    auto q = open_queue(limits);
    ASSERT_TRUE(q);
    append_range(*q, 1, 20);
  }
  const auto files = segment_files();
  ASSERT_EQ(files.size(), 4U);
  // Flip a payload byte of the third record (seq 3) of the first segment.
  {
    std::fstream f(files[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(kSegmentHeaderSize + 2 * kRecord200 + 100));
    f.put('#');
  }
  auto q = open_queue(limits);
  ASSERT_TRUE(q);
  EXPECT_EQ(count_events(EventId::queue_damaged), 1U);
  std::vector<std::uint64_t> seqs;
  for (const auto& item : peek_all(*q)) {
    seqs.push_back(item.seq);
  }
  std::vector<std::uint64_t> expected{1, 2};
  for (std::uint64_t s = 6; s <= 20; ++s) {
    expected.push_back(s);
  }
  EXPECT_EQ(seqs, expected);
  EXPECT_EQ(*q->append(ItemKind::sample, "x", 1), 21U);
}

TEST_F(QueueTest, ByteCapDropsTheOldestAndLogs2023OncePerEpisode) {
  const QueueLimits limits{.max_bytes = 10 * kRecord200,
                           .max_age = std::chrono::hours(1),
                           .segment_bytes = 4 * kRecord200};
  auto q = open_queue(limits);
  ASSERT_TRUE(q);
  append_range(*q, 1, 10);
  EXPECT_EQ(q->stats().dropped_for_size, 0U);
  EXPECT_EQ(count_events(EventId::queue_over_size_cap), 0U);
  append_range(*q, 11, 40);
  auto st = q->stats();
  EXPECT_EQ(st.items, 10U);
  EXPECT_EQ(st.bytes, 10 * kRecord200);
  EXPECT_EQ(st.dropped_for_size, 30U);
  EXPECT_EQ(count_events(EventId::queue_over_size_cap), 1U);  // one episode, one event
  auto items = peek_all(*q);
  ASSERT_EQ(items.size(), 10U);
  EXPECT_EQ(items.front().seq, 31U);
  EXPECT_EQ(items.back().seq, 40U);
  // A peek from before the drops starts at the oldest kept item.
  EXPECT_EQ(q->peek(5, 1, SIZE_MAX).at(0).seq, 31U);
  // Segments holding only dropped items are deleted.
  for (const auto& f : segment_files()) {
    EXPECT_GE(segment_first_seq(f.filename().string()).value_or(0), 29U) << f;
  }

  // The parent acknowledges: the episode ends, and the next drop is a new one.
  ASSERT_TRUE(q->ack(35));
  append_range(*q, 41, 60);
  EXPECT_EQ(count_events(EventId::queue_over_size_cap), 2U);
  st = q->stats();
  EXPECT_EQ(st.dropped_for_size, 30U + 15U);
  EXPECT_EQ(peek_all(*q).front().seq, 51U);

  // The counters and the drops survive a reopen; items drop no further.
  q.reset();
  q = open_queue(limits);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->stats().dropped_for_size, 45U);
  EXPECT_EQ(peek_all(*q).front().seq, 51U);
  EXPECT_EQ(count_events(EventId::queue_over_size_cap), 2U);

  // A lower cap at the next open applies at once.
  q.reset();
  q = open_queue({.max_bytes = 4 * kRecord200,
                  .max_age = std::chrono::hours(1),
                  .segment_bytes = 4 * kRecord200});
  ASSERT_TRUE(q);
  EXPECT_EQ(q->stats().items, 4U);
  EXPECT_EQ(peek_all(*q).front().seq, 57U);
  EXPECT_EQ(count_events(EventId::queue_over_size_cap), 3U);
}

TEST_F(QueueTest, AgeCapDropsOldItemsWith2120) {
  const auto now = TimePoint(std::chrono::milliseconds(1'700'000'000'000));
  const auto ms = [&](TimePoint t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  };
  auto q =
      open_queue({.max_bytes = 1 << 20, .max_age = std::chrono::hours(1), .segment_bytes = 1024});
  ASSERT_TRUE(q);
  for (std::uint64_t i = 1; i <= 10; ++i) {  // 10 items, produced 2h00 ... 0h15 ago
    const auto produced = now - std::chrono::hours(2) + std::chrono::minutes(15) * (i - 1);
    ASSERT_EQ(*q->append(ItemKind::event, payload_for(i), ms(produced)), i);
  }
  EXPECT_EQ(q->stats().oldest_produced, now - std::chrono::hours(2));
  q->expire(now);
  // Older than one hour: produced 2h00, 1h45, 1h30, 1h15 ago (1h00 ago is not older).
  auto st = q->stats();
  EXPECT_EQ(st.dropped_for_age, 4U);
  EXPECT_EQ(st.items, 6U);
  EXPECT_EQ(st.oldest_produced, now - std::chrono::hours(1));
  EXPECT_EQ(peek_all(*q).front().seq, 5U);
  EXPECT_EQ(count_events(EventId::queue_items_expired), 1U);
  q->expire(now + std::chrono::minutes(20));  // same episode: no second event
  EXPECT_EQ(q->stats().dropped_for_age, 6U);
  EXPECT_EQ(count_events(EventId::queue_items_expired), 1U);
  q->expire(now);  // nothing more to drop
  EXPECT_EQ(q->stats().dropped_for_age, 6U);

  const auto json = stats_json(q->stats(), now + std::chrono::minutes(20));
  EXPECT_EQ(json["items"], 4);
  EXPECT_EQ(json["dropped_for_age"], 6);
  EXPECT_EQ(json["oldest_age_s"], 50 * 60);  // item 7, produced 0h30 before `now`
  q.reset();
  q = open_queue();
  ASSERT_TRUE(q);
  EXPECT_EQ(q->stats().items, 4U);
  EXPECT_EQ(q->stats().dropped_for_age, 6U);
  ASSERT_TRUE(q->ack(10));
  EXPECT_TRUE(stats_json(q->stats(), now)["oldest_age_s"].is_null());
}

TEST_F(QueueTest, SegmentsRollAndFullyAckedOnesAreDeleted) {
  const QueueLimits limits{
      .max_bytes = 1 << 20, .max_age = std::chrono::hours(1), .segment_bytes = 5 * kRecord200};
  auto q = open_queue(limits);
  ASSERT_TRUE(q);
  append_range(*q, 1, 50);  // a segment rolls once it reaches 5 items: 10 segments
  ASSERT_TRUE(q->flush());
  auto files = segment_files();
  ASSERT_EQ(files.size(), 10U);
  EXPECT_EQ(q->segment_count(), 10U);
  EXPECT_EQ(files.front().filename(), "00000000000000000001.seg");
  EXPECT_EQ(files.back().filename(), "00000000000000000046.seg");

  ASSERT_TRUE(q->ack(12));  // segments 1-5 and 6-10 are fully acked; 11-15 is not
  files = segment_files();
  ASSERT_EQ(files.size(), 8U);
  EXPECT_EQ(files.front().filename(), "00000000000000000011.seg");
  EXPECT_EQ(peek_all(*q).front().seq, 13U);

  ASSERT_TRUE(q->ack(50));  // the last segment stays: appends go there
  EXPECT_EQ(segment_files().size(), 1U);
  append_range(*q, 51, 52);
  q.reset();
  q = open_queue(limits);
  ASSERT_TRUE(q);
  const auto items = peek_all(*q);
  ASSERT_EQ(items.size(), 2U);
  EXPECT_EQ(items.front().seq, 51U);
  EXPECT_EQ(*q->append(ItemKind::sample, "x", 1), 53U);
}

TEST_F(QueueTest, AfterAPowerLossTheReservedSeqsAreSkipped) {
  {
    auto q = open_queue();
    ASSERT_TRUE(q);
    append_range(*q, 1, 5);
    ASSERT_TRUE(q->flush());
  }
  // What a power loss leaves: the meta record of a running queue, written in another boot,
  // that had reserved seqs it may have used and sent before its unflushed items were lost.
  auto meta = nlohmann::json::parse(*read_file(dir_ / "queue.meta"));
  meta["clean"] = false;
  meta["boot_id"] = "another-boot";
  meta["reserved_through"] = 1000;
  ASSERT_TRUE(write_file_atomic(dir_ / "queue.meta", meta.dump()));
  auto q = open_queue();
  ASSERT_TRUE(q);
  EXPECT_EQ(q->recovery().seq_skipped_from, 6U);
  EXPECT_EQ(q->recovery().seq_skipped_to, 1000U);
  EXPECT_EQ(count_events(EventId::queue_damaged), 1U);
  EXPECT_EQ(peek_all(*q).size(), 5U);
  EXPECT_EQ(*q->append(ItemKind::sample, "x", 1), 1001U);
  const auto items = peek_all(*q);
  ASSERT_EQ(items.size(), 6U);
  EXPECT_EQ(items.back().seq, 1001U);
}

TEST_F(QueueTest, AfterAKillInTheSameBootNoSeqIsSkipped) {
  {
    auto q = open_queue();
    ASSERT_TRUE(q);
    append_range(*q, 1, 5);
  }
  auto meta = nlohmann::json::parse(*read_file(dir_ / "queue.meta"));
  meta["clean"] = false;  // killed: the page cache kept every write, so seqs continue exactly
  meta["reserved_through"] = 1000;
  ASSERT_TRUE(write_file_atomic(dir_ / "queue.meta", meta.dump()));
  auto q = open_queue();
  ASSERT_TRUE(q);
  EXPECT_EQ(q->recovery().seq_skipped_to, 0U);
  EXPECT_EQ(*q->append(ItemKind::sample, "x", 1), 6U);
}

TEST_F(QueueTest, RefusesAnItemLargerThanTheCap) {
  auto q = open_queue({.max_bytes = 4096, .max_age = std::chrono::hours(1), .segment_bytes = 4096});
  ASSERT_TRUE(q);
  EXPECT_FALSE(q->append(ItemKind::event, std::string(5000, 'x'), 1));
  EXPECT_EQ(*q->append(ItemKind::event, "fits", 1), 1U);
  EXPECT_FALSE(DurableQueue::open(
      root_ / "other", {.max_bytes = 10, .max_age = {}, .segment_bytes = 4096}, nullptr));
}

TEST_F(QueueTest, FilesAreOwnerOnly) {
  auto q = open_queue();
  ASSERT_TRUE(q);
  append_range(*q, 1, 1);
  using std::filesystem::perms;
  EXPECT_EQ(std::filesystem::status(dir_).permissions() & perms::all, perms::owner_all);
  for (const auto& f : segment_files()) {
    EXPECT_EQ(std::filesystem::status(f).permissions() & perms::all,
              perms::owner_read | perms::owner_write);
  }
}

}  // namespace
}  // namespace outpost::queue::testing

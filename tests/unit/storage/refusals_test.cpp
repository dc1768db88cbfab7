// Refused connections against every backend under test (test_database.hpp): counts add up by
// epoch and a report stored twice counts once; the latest details win; a reporter's rows are
// bounded; grooming by age.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "storage/storage.hpp"
#include "storage_fixture.hpp"

namespace outpost::storage {
namespace {

using std::chrono::seconds;
using test::StorageTest;

RefusalQuery query(std::string computer, std::string identity = "", TimePoint since = {},
                   std::size_t limit = 1000) {
  RefusalQuery q;
  q.computer = std::move(computer);
  q.identity = std::move(identity);
  q.since = since;
  q.limit = limit;
  return q;
}

TimePoint floor_ms(TimePoint t) {  // what the database keeps
  return TimePoint(std::chrono::floor<std::chrono::milliseconds>(t));
}

RefusalRecord record(std::string identity, TimePoint epoch, std::uint64_t count, TimePoint latest,
                     std::string reason = "expired") {
  RefusalRecord r;
  r.last.key = RefusalKey{std::move(identity), "127.0.0.9", EventId::remote_cert_untrusted,
                          Cause::peer_expired};
  r.last.reason = std::move(reason);
  r.last.role = "agent";
  r.last.certificate = PresentedCertificate{"CN=a9.lab.test",     "CN=Lab Root",        "0A1B",
                                            std::string(64, 'f'), epoch - seconds(100), epoch};
  r.first = epoch;
  r.latest = latest;
  r.epoch = epoch;
  r.count = count;
  return r;
}

TEST_P(StorageTest, RefusalCountsAddUpByEpochAndARepeatedReportCountsOnce) {
  auto db = open();
  ASSERT_TRUE(db);
  const TimePoint t0 = floor_ms(Clock::now()) - seconds(600);
  ASSERT_TRUE(db->record_refusals("gw1.lab.test", {record("a9.lab.test", t0, 3, t0)}, 0, 100));
  // The same report again (a reconnect resends everything), then a later count of that epoch.
  ASSERT_TRUE(db->record_refusals("gw1.lab.test", {record("a9.lab.test", t0, 3, t0)}, 0, 100));
  ASSERT_TRUE(db->record_refusals(
      "gw1.lab.test", {record("a9.lab.test", t0, 5, t0 + seconds(10), "later")}, 0, 100));
  // The gateway restarted: a new epoch counts from 1 again, and adds to the 5.
  ASSERT_TRUE(db->record_refusals(
      "gw1.lab.test", {record("a9.lab.test", t0 + seconds(60), 2, t0 + seconds(70))}, 4, 100));
  // A stale report of the old epoch changes nothing.
  ASSERT_TRUE(db->record_refusals("gw1.lab.test", {record("a9.lab.test", t0, 4, t0)}, 4, 100));
  const auto rows = db->refusals({}).value();
  ASSERT_EQ(rows.size(), 1U);
  const RefusalRecord& r = rows.front();
  EXPECT_EQ(r.count, 7U);
  EXPECT_EQ(r.reporter, "gw1.lab.test");
  EXPECT_EQ(r.first, t0);
  EXPECT_EQ(r.latest, t0 + seconds(70));
  EXPECT_EQ(r.last.reason, "expired");  // the latest refusal's details
  EXPECT_EQ(r.last.key.cause, Cause::peer_expired);
  EXPECT_EQ(r.last.key.event, EventId::remote_cert_untrusted);
  EXPECT_EQ(r.last.certificate.issuer, "CN=Lab Root");
  EXPECT_EQ(r.last.certificate.not_after, t0 + seconds(60));
  const auto drops = db->refusal_drops().value();
  ASSERT_EQ(drops.size(), 1U);
  EXPECT_EQ(drops.front().dropped, 4U);
  EXPECT_EQ(drops.front().evicted, 0U);
}

TEST_P(StorageTest, RefusalsAreBoundedPerReporterFilteredAndGroomed) {
  auto db = open();
  ASSERT_TRUE(db);
  const TimePoint t0 = floor_ms(Clock::now()) - seconds(3600);
  std::vector<RefusalRecord> many;
  for (int i = 0; i < 30; ++i) {
    many.push_back(record(fmt::format("a{}.lab.test", i), t0 + seconds(i), 1, t0 + seconds(i)));
  }
  ASSERT_TRUE(db->record_refusals("gw1.lab.test", many, 0, 20));
  ASSERT_TRUE(db->record_refusals("ms1.lab.test", {record("x.lab.test", t0, 1, t0)}, 0, 20));
  auto gw1 = db->refusals(query("gw1.lab.test")).value();
  ASSERT_EQ(gw1.size(), 20U);  // the 10 least recently refused were removed
  EXPECT_EQ(gw1.front().last.key.identity, "a29.lab.test");  // newest first
  EXPECT_EQ(gw1.back().last.key.identity, "a10.lab.test");
  const auto drops = db->refusal_drops().value();
  ASSERT_EQ(drops.size(), 2U);
  EXPECT_EQ(drops.front().reporter, "gw1.lab.test");
  EXPECT_EQ(drops.front().evicted, 10U);
  // By the refused computer's name, and by time.
  EXPECT_EQ(db->refusals(query("x.lab.test")).value().size(), 1U);
  EXPECT_EQ(db->refusals(query("", "", t0 + seconds(25))).value().size(), 5U);
  EXPECT_EQ(db->refusals(query("", "", {}, 3)).value().size(), 3U);
  // By the refused name only: a reporter's own name finds nothing.
  EXPECT_TRUE(db->refusals(query("", "gw1.lab.test")).value().empty());
  EXPECT_EQ(db->refusals(query("", "a12.lab.test")).value().size(), 1U);
  // Grooming: everything last refused before t0 + 15 s goes (a10..a14 and x).
  EXPECT_EQ(db->groom_refusals(t0 + seconds(15)).value(), 6U);
  EXPECT_EQ(db->refusals({}).value().size(), 15U);
}

}  // namespace
}  // namespace outpost::storage

#include "channel/refusal_table.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "channel/refusal_report.hpp"

namespace outpost::channel {
namespace {

using std::chrono::seconds;

RefusalObservation seen(std::string identity, std::string source = "127.0.0.9",
                        Cause cause = Cause::peer_issuer_unknown) {
  RefusalObservation o;
  o.key = RefusalKey{std::move(identity), std::move(source), EventId::remote_cert_untrusted, cause};
  o.reason = "unable to get local issuer certificate";
  return o;
}

TEST(RefusalTable, AggregatesPerKeyAndReportsWhatChanged) {
  RefusalTable table(100);
  const TimePoint t0 = Clock::now();
  table.record(seen("a9.lab.test", "127.0.0.10"), t0);                      // another source
  table.record(seen("a9.lab.test", "127.0.0.9", Cause::peer_expired), t0);  // another cause
  for (int i = 0; i < 5; ++i)
    table.record(seen("a9.lab.test"), t0 + seconds(i));
  auto changed = table.take_changed("gw1.lab.test");
  ASSERT_EQ(changed.size(), 3U);
  EXPECT_EQ(changed.front().last.key.identity, "a9.lab.test");  // the most recently refused
  EXPECT_EQ(changed.front().count, 5U);
  EXPECT_EQ(changed.front().first, t0);
  EXPECT_EQ(changed.front().latest, t0 + seconds(4));
  EXPECT_EQ(changed.front().reporter, "gw1.lab.test");
  EXPECT_TRUE(table.take_changed("gw1.lab.test").empty());  // nothing new
  table.record(seen("a9.lab.test"), t0 + seconds(9));
  changed = table.take_changed("gw1.lab.test");
  ASSERT_EQ(changed.size(), 1U);
  EXPECT_EQ(changed.front().count, 6U);  // the count of its epoch, not the difference
  table.mark_all_changed();
  EXPECT_EQ(table.take_changed("gw1.lab.test").size(), 3U);
}

TEST(RefusalTable, AFloodOfNewKeysStaysWithinTheCapAndCountsWhatItDropped) {
  RefusalTable table(50);
  const TimePoint t0 = Clock::now();
  table.record(seen("keep.lab.test"), t0);
  for (int i = 0; i < 10000; ++i) {
    table.record(
        seen("", fmt::format("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255), Cause::peer_closed),
        t0 + std::chrono::milliseconds(i));
    if (i % 10 == 0) table.record(seen("keep.lab.test"), t0 + std::chrono::milliseconds(i));
  }
  EXPECT_EQ(table.size(), 50U);
  EXPECT_EQ(table.dropped(), 10001U - 50U);  // every key beyond the cap
  // The least recently refused go first: a key refused all along is still there.
  const auto all = table.take_changed("gw1.lab.test");
  EXPECT_TRUE(std::any_of(all.begin(), all.end(), [](const RefusalRecord& r) {
    return r.last.key.identity == "keep.lab.test" && r.count == 1001;
  }));
  table.set_capacity(10);
  EXPECT_EQ(table.size(), 10U);
}

TEST(RefusalTable, TextsAreBoundedAndEpochsOfNewKeysAreDistinct) {
  RefusalTable table(1);
  const TimePoint t0 = Clock::now();
  RefusalObservation huge = seen(std::string(100000, 'x'));
  huge.reason = std::string(100000, 'r');
  huge.certificate.subject = std::string(100000, 's');
  table.record(huge, t0);
  auto first = table.take_changed("gw1");
  ASSERT_EQ(first.size(), 1U);
  EXPECT_EQ(first[0].last.key.identity.size(), 255U);
  EXPECT_EQ(first[0].last.reason.size(), 512U);
  EXPECT_EQ(first[0].last.certificate.subject.size(), 512U);
  table.record(seen("b.lab.test"), t0);  // evicts the first, in the same instant
  table.record(seen("x"), t0);           // and this one evicts b: three epochs, all different
  auto last = table.take_changed("gw1");
  ASSERT_EQ(last.size(), 1U);
  EXPECT_EQ(last[0].epoch, first[0].epoch + std::chrono::milliseconds(2));
}

TEST(RefusalReport, RoundTripsAndRefusesAnOversizedReport) {
  std::vector<RefusalRecord> records;
  const TimePoint t0 = TimePoint(std::chrono::floor<std::chrono::milliseconds>(Clock::now()));
  for (std::size_t i = 0; i < kRefusalsPerReport + 1; ++i) {
    RefusalRecord r{"", seen(fmt::format("a{}.lab.test", i)), t0, t0 + seconds(1), t0, i + 1};
    r.last.reject_code = 3;
    r.last.management_group = "LAB";
    r.last.certificate = PresentedCertificate{
        "CN=a", "CN=Root", "01", std::string(64, 'a'), t0 - seconds(5), t0 + seconds(5)};
    records.push_back(r);
  }
  const auto reports = refusal_reports(records, 7);
  ASSERT_EQ(reports.size(), 2U);
  auto back = refusals_of(reports[0].refusal_report(), "gw1.lab.test", t0);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), kRefusalsPerReport);
  const auto it = std::find_if(back->begin(), back->end(), [&](const RefusalRecord& x) {
    return x.last.key == records[3].last.key;
  });
  ASSERT_NE(it, back->end());
  const RefusalRecord& r = *it;
  EXPECT_EQ(r.reporter, "gw1.lab.test");
  EXPECT_EQ(r.count, 4U);
  EXPECT_EQ(r.latest, t0 + seconds(1));
  EXPECT_EQ(r.last.reject_code, 3);
  EXPECT_EQ(r.last.management_group, "LAB");
  EXPECT_EQ(r.last.certificate.not_after, t0 + seconds(5));
  EXPECT_EQ(reports[1].refusal_report().dropped(), 7U);
  wire::RefusalReport oversized = reports[0].refusal_report();
  oversized.add_refusals()->set_count(1);
  auto refused = refusals_of(oversized, "gw1.lab.test", t0);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().event, EventId::refusal_report_refused);
}

TEST(RefusalTable, ANewNameFromASourceBeyondItsShareIsAggregatedUnderAStar) {
  RefusalTable table(1000);
  const TimePoint t0 = Clock::now();
  for (int i = 0; i < 500; ++i)
    table.record(seen(fmt::format("n{}.lab.test", i), "10.9.9.9"), t0);
  table.record(seen("other.lab.test", "10.1.1.1"), t0);
  EXPECT_EQ(table.size(), RefusalTable::kNamesPerSource + 2U);  // 16 names, "*", other
  const auto all = table.take_changed("gw1", 3);                // at most 3 at a time, newest first
  ASSERT_EQ(all.size(), 3U);
  EXPECT_EQ(all[0].last.key.identity, "other.lab.test");
  EXPECT_EQ(all[1].last.key.identity, "*");
  EXPECT_EQ(all[1].count, 500U - RefusalTable::kNamesPerSource);
  EXPECT_EQ(table.take_changed("gw1").size(), RefusalTable::kNamesPerSource - 1U);
}

TEST(RefusalReport, AGatewayCannotOverflowTimesOrCountsNorRepeatAKey) {
  const TimePoint now = TimePoint(std::chrono::floor<std::chrono::milliseconds>(Clock::now()));
  wire::RefusalReport report;
  for (int epoch : {1, 3, 2}) {
    auto* r = report.add_refusals();
    r->set_source("10.0.0.1");
    r->set_event_id(20072);
    r->set_cause("peer_expired");
    r->set_identity("bad\xff\x1b[2J");  // not UTF-8, and an escape sequence
    r->set_count(std::numeric_limits<std::uint64_t>::max());
    r->set_epoch_ms(epoch);
    r->set_first_ms(-5);
    r->set_latest_ms(std::numeric_limits<std::int64_t>::max());
    r->set_cert_not_after_ms(std::numeric_limits<std::int64_t>::max());
  }
  auto back = refusals_of(report, "gw1.lab.test", now);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), 1U);  // one key: the latest epoch
  const RefusalRecord& r = back->front();
  EXPECT_EQ(r.epoch, TimePoint(std::chrono::milliseconds(3)));
  EXPECT_EQ(r.count, std::uint64_t{1} << 40);
  EXPECT_EQ(r.first, TimePoint{});
  EXPECT_LE(r.latest, now + std::chrono::hours(24));
  EXPECT_GT(r.last.certificate.not_after, now);
  EXPECT_EQ(r.last.key.identity, "bad\xEF\xBF\xBD\\x1b[2J");  // valid UTF-8, no escape code
}

TEST(RefusalIntake, AGatewayIsHeardUpToTwiceATickPerWindow) {
  RefusalIntake intake;
  const TimePoint t0 = Clock::now();
  EXPECT_EQ(intake.admit("gw1", 1000, t0), Intake::store);
  EXPECT_EQ(intake.admit("gw1", 1000, t0 + seconds(1)), Intake::store);
  EXPECT_EQ(intake.admit("gw1", 1, t0 + seconds(2)), Intake::drop_and_say);
  EXPECT_EQ(intake.admit("gw1", 1, t0 + seconds(3)), Intake::drop);
  EXPECT_EQ(intake.admit("gw2", 200, t0 + seconds(3)), Intake::store);   // each its own
  EXPECT_EQ(intake.admit("gw1", 1000, t0 + seconds(5)), Intake::store);  // a new window
}

}  // namespace
}  // namespace outpost::channel

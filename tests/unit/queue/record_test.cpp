#include "queue/record.hpp"

#include <gtest/gtest.h>

#include "queue/segment.hpp"

namespace outpost::queue {
namespace {

TEST(QueueRecord, Crc32cMatchesTheStandardCheckValue) {
  EXPECT_EQ(crc32c("123456789"), 0xE3069283U);
  EXPECT_EQ(crc32c(""), 0U);
  // Chained: the CRC of a whole equals the CRC continued over its parts.
  EXPECT_EQ(crc32c("6789", crc32c("12345")), crc32c("123456789"));
}

TEST(QueueRecord, RoundTrips) {
  std::string bytes;
  encode_record(bytes, 42, -5, 3, "hello");
  encode_record(bytes, 43, 1'700'000'000'123, 1, "");
  ASSERT_EQ(bytes.size(), 2 * kRecordOverhead + 5);
  const auto first = parse_record(bytes);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->seq, 42U);
  EXPECT_EQ(first->produced_unix_ms, -5);
  EXPECT_EQ(first->kind, 3);
  EXPECT_EQ(first->payload, "hello");
  EXPECT_EQ(first->size, kRecordOverhead + 5);
  const auto second = parse_record(std::string_view(bytes).substr(first->size));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->seq, 43U);
  EXPECT_EQ(second->produced_unix_ms, 1'700'000'000'123);
  EXPECT_EQ(second->payload, "");
}

TEST(QueueRecord, RejectsTornDamagedAndZeroedRecords) {
  std::string bytes;
  encode_record(bytes, 7, 0, 2, "payload");
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_FALSE(parse_record(std::string_view(bytes).substr(0, cut))) << "cut at " << cut;
  }
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    std::string flipped = bytes;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x10);
    EXPECT_FALSE(parse_record(flipped)) << "flipped byte " << i;
  }
  EXPECT_FALSE(parse_record(std::string(64, '\0')));
}

TEST(QueueRecord, SegmentHeaderAndNames) {
  const std::string header = encode_segment_header(123);
  ASSERT_EQ(header.size(), kSegmentHeaderSize);
  EXPECT_EQ(parse_segment_header(header), 123U);
  EXPECT_FALSE(parse_segment_header(header.substr(0, 10)));
  EXPECT_FALSE(parse_segment_header("XXXXXXXX" + header.substr(8)));

  EXPECT_EQ(segment_file_name(1), "00000000000000000001.seg");
  EXPECT_EQ(segment_first_seq("00000000000000000123.seg"), 123U);
  EXPECT_FALSE(segment_first_seq("99999999999999999999.seg"));  // more than a u64
  EXPECT_FALSE(segment_first_seq("0000000000000000012x.seg"));
  EXPECT_FALSE(segment_first_seq("00000000000000000123.tmp"));
  EXPECT_FALSE(segment_first_seq("queue.meta"));
}

}  // namespace
}  // namespace outpost::queue

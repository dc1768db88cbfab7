// The durable queue's on-disk format: segment headers and records (docs/architecture.md, "The
// durable queue"). Integers are little-endian. Pure functions over bytes; no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace outpost::queue {

// A segment starts with "OPSTQSG1" and the first sequence number it holds (u64).
inline constexpr std::string_view kSegmentMagic = "OPSTQSG1";
inline constexpr std::size_t kSegmentHeaderSize = 16;
// A record: u32 body length, u32 CRC-32C of the body, then the body: u64 seq, i64 produced
// (unix ms), u8 kind, payload.
inline constexpr std::size_t kRecordHeaderSize = 8;
inline constexpr std::size_t kBodyFixedSize = 17;
inline constexpr std::size_t kRecordOverhead = kRecordHeaderSize + kBodyFixedSize;
// The largest payload one record may carry (the wire's default frame limit after the hello).
inline constexpr std::size_t kMaxPayload = std::size_t{16} << 20;

[[nodiscard]] std::uint32_t crc32c(std::string_view bytes, std::uint32_t crc = 0);

[[nodiscard]] std::string encode_segment_header(std::uint64_t first_seq);
// The first sequence number, or nothing when `bytes` does not start with a segment header.
[[nodiscard]] std::optional<std::uint64_t> parse_segment_header(std::string_view bytes);

// Appends the whole record to `out`.
void encode_record(std::string& out, std::uint64_t seq, std::int64_t produced_unix_ms,
                   std::uint8_t kind, std::string_view payload);

struct RecordView {
  std::uint64_t seq = 0;
  std::int64_t produced_unix_ms = 0;
  std::uint8_t kind = 0;
  std::string_view payload;
  std::size_t size = 0;  // the whole record, header included
};

// Parses the record at the start of `bytes`. Nothing when it is incomplete (a torn write), its
// length is impossible, or its CRC does not match (a damaged or partly written record).
[[nodiscard]] std::optional<RecordView> parse_record(std::string_view bytes);

}  // namespace outpost::queue

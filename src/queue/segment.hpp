// One segment file of the durable queue in memory: where each record is, and which are live.
// Records in one segment have consecutive sequence numbers from `first_seq`, so an entry holds
// no seq: 16 bytes per queued item.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace outpost::queue {

struct Entry {
  std::int64_t produced_unix_ms = 0;
  std::uint32_t offset = 0;  // of the record in the segment file
  std::uint32_t size = 0;    // of the whole record
};

struct Segment {
  std::uint64_t first_seq = 0;
  std::filesystem::path path;
  std::vector<Entry> entries;
  std::size_t live_begin = 0;  // entries before this are acked or dropped
  std::uint64_t file_size = 0;

  [[nodiscard]] std::uint64_t end_seq() const { return first_seq + entries.size(); }
  [[nodiscard]] bool dead() const { return live_begin >= entries.size(); }
};

// "00000000000000000001.seg"
[[nodiscard]] std::string segment_file_name(std::uint64_t first_seq);
// The first seq a segment file name gives, or nothing when it is not one.
[[nodiscard]] std::optional<std::uint64_t> segment_first_seq(const std::string& name);
[[nodiscard]] bool is_segment_file_name(const std::string& name);

struct ScannedSegment {
  Segment segment;
  std::uint64_t cut_bytes = 0;  // bytes after the last good record, cut off
  std::string damage;           // what was wrong there, for the report; empty when clean
};

// Reads a segment file and indexes its records, stopping at the first one that is torn,
// damaged or out of sequence. The file is truncated after the last good record.
[[nodiscard]] Result<ScannedSegment> scan_segment(const std::filesystem::path& path);

}  // namespace outpost::queue

#include "queue/segment.hpp"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include "queue/file_io.hpp"
#include "queue/record.hpp"

namespace outpost::queue {

std::string segment_file_name(std::uint64_t first_seq) {
  return fmt::format("{:020}.seg", first_seq);
}

std::optional<std::uint64_t> segment_first_seq(const std::string& name) {
  if (name.size() != 24 || !name.ends_with(".seg")) {
    return std::nullopt;
  }
  std::uint64_t seq = 0;
  const char* end = name.data() + 20;
  const auto [ptr, ec] = std::from_chars(name.data(), end, seq);
  if (ec != std::errc{} || ptr != end || seq == 0) {
    return std::nullopt;  // not 20 digits, or more than a u64 holds
  }
  return seq;
}

bool is_segment_file_name(const std::string& name) {
  return segment_first_seq(name).has_value();
}

Result<ScannedSegment> scan_segment(const std::filesystem::path& path) {
  auto bytes = read_whole(path);
  if (!bytes) {
    return std::unexpected(bytes.error());
  }
  const std::string_view all(*bytes);
  ScannedSegment out;
  out.segment.path = path;
  out.segment.first_seq = segment_first_seq(path.filename().string()).value_or(0);
  const auto header_seq = parse_segment_header(all);
  std::size_t at = kSegmentHeaderSize;
  if (!header_seq || *header_seq != out.segment.first_seq) {
    at = 0;  // a file created but not written (a crash right then), or not ours
    out.damage = all.size() < kSegmentHeaderSize ? "the segment header is incomplete"
                                                 : "the segment header is damaged";
  } else {
    std::uint64_t expect = out.segment.first_seq;
    while (at < all.size()) {
      const auto record = parse_record(all.substr(at));
      if (!record) {
        out.damage = fmt::format("a torn or damaged record at offset {}", at);
        break;
      }
      if (record->seq != expect) {
        out.damage =
            fmt::format("record at offset {} has seq {}, expected {}", at, record->seq, expect);
        break;
      }
      out.segment.entries.push_back({record->produced_unix_ms, static_cast<std::uint32_t>(at),
                                     static_cast<std::uint32_t>(record->size)});
      at += record->size;
      ++expect;
    }
  }
  out.segment.file_size = at;
  out.cut_bytes = all.size() - at;
  if (out.cut_bytes > 0 && ::truncate(path.c_str(), static_cast<off_t>(at)) != 0) {
    const int err = errno;
    return fail(
        fmt::format("cannot cut the damaged tail of {}: {}", path.string(), std::strerror(err)),
        "check the queue folder's permissions");
  }
  return out;
}

}  // namespace outpost::queue

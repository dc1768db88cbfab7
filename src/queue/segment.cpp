#include "queue/segment.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "queue/file_io.hpp"
#include "queue/record.hpp"

namespace outpost::queue {

std::string segment_file_name(std::uint64_t first_seq) {
  return fmt::format("{:020}.seg", first_seq);
}

bool is_segment_file_name(const std::string& name) {
  if (name.size() != 24 || !name.ends_with(".seg")) {
    return false;
  }
  for (std::size_t i = 0; i < 20; ++i) {
    if (name[i] < '0' || name[i] > '9') {
      return false;
    }
  }
  return true;
}

Result<ScannedSegment> scan_segment(const std::filesystem::path& path) {
  auto bytes = read_whole(path);
  if (!bytes) {
    return std::unexpected(bytes.error());
  }
  const std::string_view all(*bytes);
  ScannedSegment out;
  out.segment.path = path;
  out.segment.first_seq = std::stoull(path.filename().string().substr(0, 20));
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
        out.damage = fmt::format("record at offset {} has seq {}, expected {}", at, record->seq,
                                 expect);
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
    return fail(fmt::format("cannot cut the damaged tail of {}: {}", path.string(),
                            std::strerror(err)),
                "check the queue folder's permissions");
  }
  return out;
}

}  // namespace outpost::queue

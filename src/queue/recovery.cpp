// DurableQueue::open and the recovery it does: read the meta record and every segment, cut torn
// tails, forget what was acked or dropped, continue the sequence.
#include <fcntl.h>

#include <algorithm>

#include <fmt/format.h>

#include "core/files.hpp"
#include "queue/durable_queue.hpp"
#include "queue/record.hpp"

namespace outpost::queue {
namespace {

// Sequence numbers reserved in the meta record ahead of use. After a power loss the items
// appended since the last flush may be gone, and their seqs may already have left the machine;
// the next boot starts after the reservation so that no seq is ever given to two items.
constexpr std::uint64_t kReserveBlock = 1U << 16U;
constexpr std::uint64_t kMaxSegmentBytes = std::uint64_t{1} << 30U;

Result<std::vector<std::filesystem::path>> list_segments(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> paths;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const auto name = entry.path().filename().string();
    if (is_segment_file_name(name)) {
      paths.push_back(entry.path());
    } else if (name.ends_with(".tmp")) {
      std::filesystem::remove(entry.path(), ec);  // an atomic write cut short
    }
  }
  if (ec) {
    return fail(
        fmt::format("cannot list the durable queue folder {}: {}", dir.string(), ec.message()),
        "check the folder's permissions", EventId::queue_write_failed);
  }
  std::ranges::sort(paths);  // 20-digit names: file-name order is seq order
  return paths;
}

}  // namespace

DurableQueue::DurableQueue(std::filesystem::path dir, QueueLimits limits, EventLog* log)
    : dir_(std::move(dir)), limits_(limits), log_(log), boot_id_(current_boot_id()) {}

Result<std::unique_ptr<DurableQueue>> DurableQueue::open(std::filesystem::path dir,
                                                         QueueLimits limits, EventLog* log) {
  if (limits.max_bytes < kRecordOverhead + 1 || limits.segment_bytes < kSegmentHeaderSize) {
    return fail(fmt::format("durable queue limits are too small (max_bytes {})", limits.max_bytes),
                "give the queue a byte cap of at least a few KiB");
  }
  if (limits.segment_bytes > kMaxSegmentBytes) {
    // Record offsets in a segment are 32-bit: a segment ends below 4 GiB.
    return fail(fmt::format("a durable queue segment of {} bytes is too large (at most {})",
                            limits.segment_bytes, kMaxSegmentBytes),
                "use segments of a few MiB");
  }
  if (auto made = ensure_private_dir(dir, ExistingDir::enforce_mode); !made) {
    return std::unexpected(
        Error{EventId::queue_write_failed, made.error().message, made.error().fix});
  }
  auto meta = read_meta(dir);
  if (!meta) {
    return std::unexpected(meta.error());
  }
  std::unique_ptr<DurableQueue> q(new DurableQueue(std::move(dir), limits, log));
  if (auto recovered = q->recover(*meta); !recovered) {
    return std::unexpected(recovered.error());
  }
  return q;
}

Result<void> DurableQueue::recover(const std::optional<Meta>& meta) {
  std::uint64_t highest = 0;
  if (meta) {
    acked_through_ = meta->acked_through;
    dropped_through_ = std::max(meta->dropped_through, meta->acked_through);
    dropped_for_size_ = meta->dropped_for_size;
    dropped_for_age_ = meta->dropped_for_age;
    highest = std::max(meta->highest_seq, dropped_through_);
  }
  persisted_dropped_through_ = dropped_through_;
  auto paths = list_segments(dir_);
  if (!paths) {
    return std::unexpected(paths.error());
  }
  for (const auto& path : *paths) {
    auto scanned = scan_segment(path);
    if (!scanned) {
      return std::unexpected(
          Error{EventId::queue_damaged, scanned.error().message, scanned.error().fix});
    }
    ++recovery_.segments;
    if (!scanned->damage.empty()) {
      recovery_.bytes_cut += scanned->cut_bytes;
      recovery_.damage.push_back(fmt::format("{}: {}; {} bytes cut off", path.filename().string(),
                                             scanned->damage, scanned->cut_bytes));
    }
    Segment& s = scanned->segment;
    if (s.entries.empty()) {
      std::error_code ec;
      std::filesystem::remove(path, ec);  // nothing in it: created just before a crash
      continue;
    }
    highest = std::max(highest, s.end_seq() - 1);
    if (dropped_through_ >= s.first_seq) {
      s.live_begin = static_cast<std::size_t>(
          std::min<std::uint64_t>(dropped_through_ - s.first_seq + 1, s.entries.size()));
    }
    for (std::size_t i = s.live_begin; i < s.entries.size(); ++i) {
      ++items_;
      bytes_ += s.entries[i].size;
    }
    segments_.push_back(std::move(s));
  }
  recovery_.items = items_;
  // A power loss (a new boot without a clean close) may have lost appended items whose seqs were
  // already sent: continue after everything that may have been assigned.
  // An unknown boot id (no /proc) counts as a new boot: skipping is safe, reusing is not.
  const bool new_boot = meta && (meta->boot_id != boot_id_ || boot_id_.empty());
  if (meta && !meta->clean && new_boot && meta->reserved_through > highest) {
    recovery_.seq_skipped_from = highest + 1;
    recovery_.seq_skipped_to = meta->reserved_through;
    highest = meta->reserved_through;
  }
  next_seq_ = highest + 1;
  reserved_through_ = highest;
  if (!segments_.empty()) {
    // What a killed process wrote is in the page cache only: make it durable before it is sent.
    // Only the back segment can hold such data (a segment is fsync'd before the next is made).
    Segment& back = segments_.back();
    auto fd = open_file(back.path, O_RDWR);
    if (!fd) {
      return std::unexpected(
          Error{EventId::queue_write_failed, fd.error().message, fd.error().fix});
    }
    if (auto synced = fsync_fd(fd->get(), back.path); !synced) {
      return synced;
    }
    if (back.end_seq() == next_seq_ && back.file_size < limits_.segment_bytes) {
      active_ = std::move(*fd);  // appends continue in it
    }
  }
  // So are the names of the segment files it created.
  if (auto synced = fsync_dir(dir_); !synced) {
    return synced;
  }
  if (!recovery_.damage.empty() || recovery_.seq_skipped_to != 0) {
    std::string message =
        fmt::format("the durable queue {} recovered {} items", dir_.string(), recovery_.items);
    for (const auto& d : recovery_.damage) {
      message += "; " + d;
    }
    if (recovery_.seq_skipped_to != 0) {
      message += fmt::format("; after a power loss, seqs {} to {} are skipped",
                             recovery_.seq_skipped_from, recovery_.seq_skipped_to);
    }
    log(EventId::queue_damaged, message,
        {{"dir", dir_.string()}, {"bytes_cut", recovery_.bytes_cut}, {"items", recovery_.items}});
  }
  drop_for_size(0);  // the cap may have been lowered since
  return persist_and_release(Persist::if_marks_moved);
}

Result<void> DurableQueue::reserve_seqs() {
  const std::uint64_t previous = reserved_through_;
  reserved_through_ = next_seq_ + kReserveBlock - 1;
  // Durable before any seq of the block is used: after a power loss, the next open skips it.
  if (auto written = write_meta(dir_, current_meta(false), MetaDurability::durable); !written) {
    reserved_through_ = previous;
    return std::unexpected(write_error(written.error().message, 0));
  }
  persisted_dropped_through_ = dropped_through_;
  return {};
}

}  // namespace outpost::queue

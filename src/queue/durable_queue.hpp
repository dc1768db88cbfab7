// The agent's durable store-and-forward queue (DESIGN §4): every item a collector produces gets
// the next per-origin sequence number and stays on disk until the database has it. Segment files
// of length-prefixed, CRC-checked records; a meta file for the marks; caps that are events,
// never silent. Format, recovery, fsync policy and its cost: docs/architecture.md, "The durable
// queue".
//
// Not thread-safe: one thread owns a DurableQueue (the agent's io thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/event_log.hpp"
#include "core/time.hpp"
#include "queue/file_io.hpp"
#include "queue/meta.hpp"
#include "queue/segment.hpp"

namespace outpost::queue {

enum class ItemKind : std::uint8_t { event = 1, sample = 2, check = 3 };

struct StoredItem {
  std::uint64_t seq;
  std::int64_t produced_unix_ms;
  ItemKind kind;
  std::string payload;
};

struct QueueLimits {
  std::uint64_t max_bytes = 256ull << 20;  // live records, headers included
  std::chrono::seconds max_age = std::chrono::hours(24 * 7);
  std::uint64_t segment_bytes = 4ull << 20;  // a segment file is rolled past this size
};

struct QueueStats {
  std::uint64_t items, bytes, next_seq, acked_through;
  std::optional<TimePoint> oldest_produced;  // of the first item in queue order
  std::uint64_t dropped_for_size, dropped_for_age;
};

// What open() found and repaired.
struct RecoveryReport {
  std::size_t segments = 0;            // segment files read
  std::uint64_t items = 0;             // unacked items recovered
  std::uint64_t bytes_cut = 0;         // torn or damaged bytes cut off
  std::vector<std::string> damage;     // one line per damaged segment
  std::uint64_t seq_skipped_from = 0;  // after a power loss: seqs from here ...
  std::uint64_t seq_skipped_to = 0;    // ... to here are never used (0 when none)
};

class DurableQueue {
 public:
  // Opens or creates the queue in `dir` (e.g. <state_dir>/queue), recovering after a crash: a
  // torn last record (kill -9 or power loss mid-write) is cut off and reported (30041), never
  // fatal; items already acked are not returned again; seq numbers continue after the highest
  // ever assigned (the meta file keeps it when every segment was freed). `log` may be null.
  static Result<std::unique_ptr<DurableQueue>> open(std::filesystem::path dir, QueueLimits limits,
                                                    EventLog* log);

  DurableQueue(const DurableQueue&) = delete;
  DurableQueue& operator=(const DurableQueue&) = delete;
  // Flushes and writes a clean meta record (so the next open continues the sequence exactly).
  ~DurableQueue();

  // Appends with the next sequence number (first is 1). Written with one pwrite(2) at once
  // (survives kill -9); durable against power loss after the next flush(). When the byte cap
  // would be exceeded, the OLDEST unacked items are dropped to make room (2023, once per
  // episode). A write error (ENOSPC, EFBIG, EIO) returns 30040 and loses nothing already stored;
  // appending works again when space returns.
  Result<std::uint64_t> append(ItemKind kind, std::string_view payload,
                               std::int64_t produced_unix_ms);
  // fsyncs what was appended since the last flush (group commit). Call before sending: an item
  // that left the machine must be on disk, or a power loss could give its seq to another item.
  Result<void> flush();
  // Unacked items with seq > after_seq, in order, at most max_items and about max_bytes of
  // payload (at least one item when there is one).
  std::vector<StoredItem> peek(std::uint64_t after_seq, std::size_t max_items,
                               std::size_t max_bytes) const;
  // Everything up to and including through_seq is in the database: free it (whole segment files
  // are deleted once fully acked; the acked mark itself is persisted).
  Result<void> ack(std::uint64_t through_seq);
  // Applies the age cap now (call periodically): items older than max_age are dropped (2120).
  void expire(TimePoint now);
  QueueStats stats() const;

  [[nodiscard]] const RecoveryReport& recovery() const { return recovery_; }
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
  [[nodiscard]] std::size_t segment_count() const { return segments_.size(); }

 private:
  struct Episode {
    bool active = false;
    TimePoint last_logged{};
    std::uint64_t items = 0;
    std::uint64_t bytes = 0;
  };

  DurableQueue(std::filesystem::path dir, QueueLimits limits, EventLog* log);
  Result<void> recover(const std::optional<Meta>& meta);
  Result<void> roll_segment();
  Result<void> reserve_seqs();
  Error write_error(std::string what, int err);
  // Drops the first live item; returns its size (0 when the queue is empty).
  std::uint32_t drop_front();
  void drop_for_size(std::uint64_t incoming);
  void note_drop(Episode& episode, EventId id, std::uint64_t items, std::uint64_t bytes,
                 std::uint64_t through_seq);
  Meta current_meta(bool clean) const;
  enum class Persist { if_segments_dead, if_marks_moved, always };
  // Writes the meta record (when `when` says so, and always before deleting a segment file),
  // then deletes the segment files whose items are all acked or dropped.
  Result<void> persist_and_release(Persist when);
  [[nodiscard]] const Entry* front_entry() const;
  void log(EventId id, std::string message, nlohmann::json fields) const;

  std::filesystem::path dir_;
  QueueLimits limits_;
  EventLog* log_;
  std::string boot_id_;
  std::deque<Segment> segments_;
  Fd active_;  // the back segment, open for appending; invalid until the next roll
  std::uint64_t next_seq_ = 1;
  std::uint64_t acked_through_ = 0;
  std::uint64_t dropped_through_ = 0;
  std::uint64_t reserved_through_ = 0;
  std::uint64_t persisted_dropped_through_ = 0;
  std::uint64_t items_ = 0;
  std::uint64_t bytes_ = 0;
  std::uint64_t dropped_for_size_ = 0;
  std::uint64_t dropped_for_age_ = 0;
  bool dirty_ = false;      // appended since the last fsync
  bool dir_dirty_ = false;  // a segment file was created since the last fsync of the folder
  bool write_failing_ = false;
  Episode size_episode_;
  Episode age_episode_;
  RecoveryReport recovery_;
  std::string scratch_;
};

// The queue's part of `outpost status --json`: items, bytes, next_seq, acked_through,
// oldest_age_s (null when empty), dropped_for_size, dropped_for_age.
[[nodiscard]] nlohmann::json stats_json(const QueueStats& stats, TimePoint now);

}  // namespace outpost::queue

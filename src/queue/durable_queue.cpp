#include "queue/durable_queue.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "queue/record.hpp"

namespace outpost::queue {
namespace {

// While a cap keeps biting, its event is repeated at most this often, with the episode's counts.
constexpr auto kReminderInterval = std::chrono::hours(1);

std::int64_t to_unix_ms(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

DurableQueue::~DurableQueue() {
  if (!flush()) {
    return;  // leave the meta record unclean: the next open is conservative
  }
  (void)write_meta(dir_, current_meta(true), MetaDurability::durable);
}

void DurableQueue::log(EventId id, std::string message, nlohmann::json fields) const {
  if (log_ != nullptr) {
    (void)log_->write(id, std::move(message), std::move(fields));
  }
}

Error DurableQueue::write_error(std::string what, int err) {
  std::string message = fmt::format("the durable queue cannot write: {}", what);
  if (err != 0) {
    message += fmt::format(": {}", std::strerror(err));
  }
  if (is_no_space(err)) {
    message += " (the disk is full or a file size limit was reached)";
  }
  const std::string fix = fmt::format(
      "free space on the file system of {}; items already queued are kept, and appending "
      "resumes by itself when there is room",
      dir_.string());
  if (!write_failing_) {
    write_failing_ = true;
    log(EventId::queue_write_failed, message, {{"dir", dir_.string()}, {"next_seq", next_seq_}});
  }
  return Error{EventId::queue_write_failed, std::move(message), fix};
}

Result<void> DurableQueue::roll_segment() {
  if (active_.valid() && dirty_) {
    // Sync the segment being left: only the last segment can then have a torn tail.
    if (auto synced = fsync_fd(active_.get(), segments_.back().path); !synced) {
      return std::unexpected(write_error(synced.error().message, 0));
    }
  }
  active_.reset();
  Segment s;
  s.first_seq = next_seq_;
  s.path = dir_ / segment_file_name(next_seq_);
  auto fd = open_file(s.path, O_RDWR | O_CREAT | O_TRUNC);
  if (!fd) {
    return std::unexpected(write_error(fd.error().message, 0));
  }
  const std::string header = encode_segment_header(next_seq_);
  int err = 0;
  if (!write_at(fd->get(), 0, header, err)) {
    fd->reset();
    std::error_code ec;
    std::filesystem::remove(s.path, ec);
    return std::unexpected(write_error(fmt::format("cannot write {}", s.path.string()), err));
  }
  s.file_size = header.size();
  segments_.push_back(std::move(s));
  active_ = std::move(*fd);
  dir_dirty_ = true;
  dirty_ = true;
  return {};
}

Result<std::uint64_t> DurableQueue::append(ItemKind kind, std::string_view payload,
                                           std::int64_t produced_unix_ms) {
  const std::uint64_t record_size = kRecordOverhead + payload.size();
  if (payload.size() > kMaxPayload || record_size > limits_.max_bytes) {
    return fail(
        fmt::format("an item of {} bytes is larger than the durable queue takes ({} bytes)",
                    payload.size(), std::min<std::uint64_t>(kMaxPayload, limits_.max_bytes)),
        "this is a bug in the collector that produced it");
  }
  if (next_seq_ > reserved_through_) {
    if (auto reserved = reserve_seqs(); !reserved) {
      return std::unexpected(reserved.error());
    }
  }
  if (!active_.valid() || segments_.back().file_size >= limits_.segment_bytes ||
      segments_.back().end_seq() != next_seq_) {
    if (auto rolled = roll_segment(); !rolled) {
      return std::unexpected(rolled.error());
    }
  }
  Segment& s = segments_.back();
  scratch_.clear();
  encode_record(scratch_, next_seq_, produced_unix_ms, static_cast<std::uint8_t>(kind), payload);
  int err = 0;
  if (!write_at(active_.get(), s.file_size, scratch_, err)) {
    // Cut off whatever part was written, so the file ends at the last whole record.
    (void)::ftruncate(active_.get(), static_cast<off_t>(s.file_size));
    return std::unexpected(write_error(fmt::format("cannot append to {}", s.path.string()), err));
  }
  write_failing_ = false;
  s.entries.push_back({produced_unix_ms, static_cast<std::uint32_t>(s.file_size),
                       static_cast<std::uint32_t>(record_size)});
  s.file_size += record_size;
  ++items_;
  bytes_ += record_size;
  dirty_ = true;
  const std::uint64_t seq = next_seq_++;
  drop_for_size(0);
  (void)persist_and_release(Persist::if_segments_dead);  // a failure here is not the item's
  return seq;
}

const Entry* DurableQueue::front_entry() const {
  for (const auto& s : segments_) {
    if (!s.dead()) {
      return &s.entries[s.live_begin];
    }
  }
  return nullptr;
}

std::uint32_t DurableQueue::drop_front() {
  for (auto& s : segments_) {
    if (!s.dead()) {
      const std::uint32_t size = s.entries[s.live_begin].size;
      dropped_through_ = std::max(dropped_through_, s.first_seq + s.live_begin);
      ++s.live_begin;
      --items_;
      bytes_ -= size;
      return size;
    }
  }
  return 0;
}

void DurableQueue::drop_for_size(std::uint64_t incoming) {
  std::uint64_t items = 0;
  std::uint64_t bytes = 0;
  // Never drop the newest item: it was just stored, and it fits the cap on its own.
  while (items_ > 1 && bytes_ + incoming > limits_.max_bytes) {
    bytes += drop_front();
    ++items;
  }
  if (items > 0) {
    dropped_for_size_ += items;
    note_drop(size_episode_, EventId::queue_over_size_cap, items, bytes, dropped_through_);
  }
}

void DurableQueue::note_drop(Episode& episode, EventId id, std::uint64_t items, std::uint64_t bytes,
                             std::uint64_t through_seq) {
  episode.items += items;
  episode.bytes += bytes;
  const TimePoint now = Clock::now();
  const bool first = !episode.active;
  if (!first && now - episode.last_logged < kReminderInterval) {
    return;
  }
  episode.active = true;
  episode.last_logged = now;
  const bool size = id == EventId::queue_over_size_cap;
  const std::string cap = size ? fmt::format("its byte cap of {} bytes", limits_.max_bytes)
                               : fmt::format("its age cap of {} s", limits_.max_age.count());
  const std::string message = fmt::format(
      "the durable queue {} is over {}: {} {} items ({} bytes) were dropped, the oldest first, "
      "through seq {}{}",
      dir_.string(), cap, first ? "the first" : "so far", episode.items, episode.bytes, through_seq,
      first ? "; this goes on (repeated hourly with counts) until the parent acknowledges data"
            : "");
  log(id, message,
      {{"dir", dir_.string()},
       {"dropped_items", episode.items},
       {"dropped_bytes", episode.bytes},
       {"dropped_through", through_seq},
       {"queued_items", items_},
       {"queued_bytes", bytes_}});
}

Result<void> DurableQueue::flush() {
  if (dirty_ && active_.valid()) {
    if (auto synced = fsync_fd(active_.get(), segments_.back().path); !synced) {
      return std::unexpected(write_error(synced.error().message, 0));
    }
  }
  dirty_ = false;
  if (dir_dirty_) {
    if (auto synced = fsync_dir(dir_); !synced) {
      return std::unexpected(write_error(synced.error().message, 0));
    }
    dir_dirty_ = false;
  }
  return persist_and_release(Persist::if_marks_moved);
}

std::vector<StoredItem> DurableQueue::peek(std::uint64_t after_seq, std::size_t max_items,
                                           std::size_t max_bytes) const {
  std::vector<StoredItem> out;
  std::size_t payload_bytes = 0;
  const std::uint64_t from = std::max(after_seq + 1, dropped_through_ + 1);
  auto it = std::ranges::upper_bound(segments_, from, {}, &Segment::first_seq);
  if (it != segments_.begin()) {
    --it;
  }
  for (; it != segments_.end() && out.size() < max_items; ++it) {
    const Segment& s = *it;
    if (s.end_seq() <= from) {
      continue;
    }
    const std::size_t begin = std::max<std::size_t>(
        s.live_begin, from > s.first_seq ? static_cast<std::size_t>(from - s.first_seq) : 0);
    if (begin >= s.entries.size()) {
      continue;  // a dead segment not deleted yet
    }
    // Pick the entries that fit, then read them with one pread.
    std::size_t end = begin;
    std::size_t budget = payload_bytes;
    while (end < s.entries.size() && out.size() + (end - begin) < max_items) {
      const std::size_t payload = s.entries[end].size - kRecordOverhead;
      if (budget + payload > max_bytes && (!out.empty() || end > begin)) {
        break;
      }
      budget += payload;
      ++end;
    }
    if (end == begin) {
      break;
    }
    const std::uint64_t offset = s.entries[begin].offset;
    const std::uint64_t length = s.entries[end - 1].offset + s.entries[end - 1].size - offset;
    auto fd = open_file(s.path, O_RDONLY);
    auto bytes = fd ? read_at(fd->get(), offset, static_cast<std::size_t>(length), s.path)
                    : Result<std::string>(std::unexpected(fd.error()));
    if (bytes && bytes->size() < length) {
      bytes = fail(fmt::format("{} is shorter than the durable queue wrote it", s.path.string()));
    }
    if (!bytes) {
      log(EventId::queue_damaged, bytes.error().message, {{"dir", dir_.string()}});
      break;
    }
    std::string_view view(*bytes);
    for (std::size_t i = begin; i < end; ++i) {
      const auto record = parse_record(view.substr(s.entries[i].offset - offset));
      if (!record || record->seq != s.first_seq + i) {
        log(EventId::queue_damaged,
            fmt::format("the durable queue record for seq {} in {} is damaged on disk",
                        s.first_seq + i, s.path.string()),
            {{"dir", dir_.string()}});
        return out;
      }
      out.push_back({record->seq, record->produced_unix_ms, static_cast<ItemKind>(record->kind),
                     std::string(record->payload)});
    }
    payload_bytes = budget;
    if (end < s.entries.size()) {
      break;  // a limit was reached inside this segment
    }
  }
  return out;
}

Result<void> DurableQueue::ack(std::uint64_t through_seq) {
  through_seq = std::min(through_seq, next_seq_ - 1);
  if (through_seq <= acked_through_) {
    return {};
  }
  acked_through_ = through_seq;
  for (auto& s : segments_) {
    while (!s.dead() && s.first_seq + s.live_begin <= through_seq) {
      --items_;
      bytes_ -= s.entries[s.live_begin].size;
      ++s.live_begin;
    }
  }
  dropped_through_ = std::max(dropped_through_, through_seq);
  size_episode_ = {};  // the link works: a later drop starts a new episode
  age_episode_ = {};
  return persist_and_release(Persist::always);
}

void DurableQueue::expire(TimePoint now) {
  const std::int64_t cutoff =
      to_unix_ms(now) -
      std::chrono::duration_cast<std::chrono::milliseconds>(limits_.max_age).count();
  std::uint64_t items = 0;
  std::uint64_t bytes = 0;
  for (const Entry* e = front_entry(); e != nullptr && e->produced_unix_ms < cutoff;
       e = front_entry()) {
    bytes += drop_front();
    ++items;
  }
  if (items > 0) {
    dropped_for_age_ += items;
    note_drop(age_episode_, EventId::queue_items_expired, items, bytes, dropped_through_);
    (void)persist_and_release(Persist::if_marks_moved);
  }
}

Meta DurableQueue::current_meta(bool clean) const {
  Meta m;
  m.acked_through = acked_through_;
  m.dropped_through = dropped_through_;
  m.highest_seq = next_seq_ - 1;
  m.reserved_through = clean ? next_seq_ - 1 : std::max(reserved_through_, next_seq_ - 1);
  m.dropped_for_size = dropped_for_size_;
  m.dropped_for_age = dropped_for_age_;
  m.boot_id = boot_id_;
  m.clean = clean;
  return m;
}

Result<void> DurableQueue::persist_and_release(Persist when) {
  std::size_t dead = 0;
  while (dead + 1 < segments_.size() && segments_[dead].dead()) {
    ++dead;  // the back segment stays: it is where appends go
  }
  const bool moved = dropped_through_ != persisted_dropped_through_;
  if (dead == 0 &&
      (when == Persist::if_segments_dead || (when == Persist::if_marks_moved && !moved))) {
    return {};
  }
  // The marks first, so that the next open knows why the deleted segments are gone. A dead
  // segment is deleted even when they cannot be written (a full disk: deleting is then the only
  // way an ack frees room): its items are all acked or dropped, and the last segment, which
  // carries the highest seq, is never deleted here.
  auto written = write_meta(dir_, current_meta(false), MetaDurability::rename_only);
  if (written) {
    persisted_dropped_through_ = dropped_through_;
  }
  for (std::size_t i = 0; i < dead; ++i) {
    std::error_code ec;
    std::filesystem::remove(segments_.front().path, ec);
    segments_.pop_front();
  }
  if (!written) {
    return std::unexpected(write_error(written.error().message, 0));
  }
  return {};
}

QueueStats DurableQueue::stats() const {
  QueueStats st{items_,          bytes_, next_seq_, acked_through_, std::nullopt, dropped_for_size_,
                dropped_for_age_};
  if (const Entry* e = front_entry(); e != nullptr) {
    st.oldest_produced = TimePoint(std::chrono::milliseconds(e->produced_unix_ms));
  }
  return st;
}

nlohmann::json stats_json(const QueueStats& stats, TimePoint now) {
  nlohmann::json j = {{"items", stats.items},
                      {"bytes", stats.bytes},
                      {"next_seq", stats.next_seq},
                      {"acked_through", stats.acked_through},
                      {"oldest_age_s", nullptr},
                      {"dropped_for_size", stats.dropped_for_size},
                      {"dropped_for_age", stats.dropped_for_age}};
  if (stats.oldest_produced) {
    j["oldest_age_s"] =
        std::chrono::duration_cast<std::chrono::seconds>(now - *stats.oldest_produced).count();
  }
  return j;
}

}  // namespace outpost::queue

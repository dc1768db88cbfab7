// Writes agents' data into the operational database off the I/O thread, exactly once (DESIGN
// §4). Batches that arrive on sessions are queued; a writer thread with its own database
// connection takes everything queued and commits it in one transaction together with the
// origins' high-water marks (group commit: many batches per commit), then posts the Acks back to
// the I/O thread, each to the session its batch came on. Nothing is acked before its commit; a
// failed commit acks nothing (30030) and is retried, with a growing pause, before anything queued
// after it: committing a later batch of an origin first would move its high-water mark past the
// failed items, and the agent's resend of them would then be dropped as duplicates. An item whose
// payload is not valid is refused (30052), acknowledged and not stored; an exception while
// writing ends that work unacknowledged (30053), never the writer thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "channel/session.hpp"
#include "core/event_log.hpp"
#include "storage/storage.hpp"

namespace outpost::server {

struct IngestStats {
  std::uint64_t commits = 0;
  std::uint64_t batches = 0;
  std::uint64_t written = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t refused = 0;  // items whose payload was not valid (30052): acked, not stored
};

class Ingest {
 public:
  Ingest(boost::asio::any_io_executor io, std::unique_ptr<storage::Storage> db, EventLog& log);
  ~Ingest();
  Ingest(const Ingest&) = delete;
  Ingest& operator=(const Ingest&) = delete;

  // Called on the I/O thread. While more than kMaxQueuedBytes wait (the database is slow or
  // down), a batch is dropped unacknowledged: its sender sends it again later.
  void submit(const std::shared_ptr<channel::Session>& from, wire::DataBatch batch);
  static constexpr std::size_t kMaxQueuedBytes = 256u << 20;
  // Commits what is queued, then ends the writer thread.
  void stop();
  [[nodiscard]] IngestStats stats() const;

 private:
  struct Pending {
    std::weak_ptr<channel::Session> from;
    wire::DataBatch batch;
    std::size_t bytes = 0;
  };
  void run();
  [[nodiscard]] bool commit_guarded(std::vector<Pending>& work);
  [[nodiscard]] bool commit(std::vector<Pending>& work);
  void log_refusals(const storage::IngestBatch& batch, const std::vector<std::uint64_t>& refused);

  boost::asio::any_io_executor io_;
  std::unique_ptr<storage::Storage> db_;
  EventLog& log_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  std::size_t queued_bytes_ = 0;
  bool refusing_ = false;  // over the byte bound: logged once until it drains
  bool stopping_ = false;
  IngestStats stats_;
  std::thread thread_;
};

// The storage form of a batch: names and check statuses taken from the items' JSON, each item's
// payload checked (storage/item_payload.hpp); a bad item is marked refused.
[[nodiscard]] storage::IngestBatch to_ingest_batch(const wire::DataBatch& batch);

}  // namespace outpost::server

#include "server/ingest.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "storage/item_payload.hpp"

namespace outpost::server {
namespace {

constexpr std::size_t kMaxItemsPerCommit = 50000;

// At most this many refused items of one batch are logged one by one (30052); the rest are
// counted in one more event.
constexpr std::size_t kRefusalsLoggedPerBatch = 10;

storage::IngestItem to_ingest_item(const wire::Item& item) {
  storage::IngestItem out;
  out.seq = item.seq();
  out.produced_ms = item.produced_unix_ms();
  switch (item.payload_case()) {
    case wire::Item::kSample:
      out.kind = storage::ItemKind::sample;
      out.payload = item.sample();
      break;
    case wire::Item::kCheck:
      out.kind = storage::ItemKind::check;
      out.payload = item.check();
      break;
    case wire::Item::kEvent:
      out.kind = storage::ItemKind::event;
      out.payload = item.event();
      break;
    default:
      out.refused = "the item carries no payload";
      return out;
  }
  auto fields = storage::check_item_payload(out.kind, out.payload);
  if (!fields) {
    out.refused = fields.error().describe();
    out.payload.clear();
    return out;
  }
  out.name = std::move(fields->name);
  out.status = std::move(fields->status);
  out.output = std::move(fields->output);
  return out;
}

std::string refusal_message(const std::string& origin, const storage::IngestItem& item) {
  return fmt::format(
      "Item {} ({}) of {} was refused and not stored: {}. It was acknowledged, so "
      "{} does not send it again; the rest of its batch was stored.",
      item.seq, storage::kind_name(item.kind), origin, item.refused, origin);
}

wire::Envelope ack(const std::string& origin, std::uint64_t through) {
  wire::Envelope envelope;
  envelope.mutable_ack()->set_origin(origin);
  envelope.mutable_ack()->set_through_seq(through);
  return envelope;
}

}  // namespace

storage::IngestBatch to_ingest_batch(const wire::DataBatch& batch) {
  storage::IngestBatch out{batch.origin(), {}, batch.previous_seq()};
  out.items.reserve(static_cast<std::size_t>(batch.items_size()));
  for (const auto& item : batch.items())
    out.items.push_back(to_ingest_item(item));
  return out;
}

Ingest::Ingest(boost::asio::any_io_executor io, std::unique_ptr<storage::Storage> db, EventLog& log)
    : io_(std::move(io)), db_(std::move(db)), log_(log), thread_([this] { run(); }) {}

Ingest::~Ingest() {
  stop();
}

void Ingest::submit(const std::shared_ptr<channel::Session>& from, wire::DataBatch batch) {
  const std::size_t bytes = batch.ByteSizeLong();
  bool first_refusal = false;
  {
    const std::lock_guard lock(mutex_);
    if (queued_bytes_ + bytes > kMaxQueuedBytes) {
      first_refusal = !refusing_;
      refusing_ = true;
    } else {
      refusing_ = false;
      queued_bytes_ += bytes;
      queue_.push_back({from, std::move(batch), bytes});
    }
  }
  if (first_refusal) {
    (void)log_.write(EventId::database_error,
                     fmt::format("The database does not keep up: {} MiB of data wait to be "
                                 "written; new batches are refused unacknowledged until it "
                                 "catches up (their senders keep them and send them again).",
                                 kMaxQueuedBytes >> 20));
    return;
  }
  wake_.notify_one();
}

void Ingest::stop() {
  {
    const std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

IngestStats Ingest::stats() const {
  const std::lock_guard lock(mutex_);
  return stats_;
}

void Ingest::run() {
  for (;;) {
    std::vector<Pending> work;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything committed
      std::size_t items = 0;
      while (!queue_.empty() && items < kMaxItemsPerCommit) {
        items += static_cast<std::size_t>(queue_.front().batch.items_size());
        queued_bytes_ -= queue_.front().bytes;
        work.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    // A failed commit is retried before anything else; it is given up only when stopping
    // (nothing of it was acked, and no later batch was committed after it).
    auto pause = std::chrono::milliseconds(100);
    while (!commit_guarded(work)) {
      std::unique_lock lock(mutex_);
      if (wake_.wait_for(lock, pause, [this] { return stopping_; })) return;
      pause = std::min<std::chrono::milliseconds>(pause * 2, std::chrono::seconds(5));
    }
  }
}

// The writer's boundary: an exception ends this work, never the thread (nor the server). Nothing
// of it was acknowledged; its senders send it again.
bool Ingest::commit_guarded(std::vector<Pending>& work) {
  std::string what;
  try {
    return commit(work);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "an unknown exception";
  }
  std::string origins;
  for (const auto& p : work)
    origins += (origins.empty() ? "" : ", ") + p.batch.origin();
  boost::asio::post(io_, [this, what, origins, count = work.size()] {
    (void)log_.write(EventId::ingest_failed,
                     fmt::format("{} data batch(es) (from {}) could not be written: {}. Nothing of "
                                 "them was acknowledged; their senders send them again.",
                                 count, origins, what));
  });
  return true;  // given up: retrying the same work would fail the same way
}

bool Ingest::commit(std::vector<Pending>& work) {
  std::vector<storage::IngestBatch> batches;
  batches.reserve(work.size());
  for (const auto& p : work)
    batches.push_back(to_ingest_batch(p.batch));
  auto results = db_->ingest(batches);
  if (!results) {  // nothing acked; run() retries this work before any other
    boost::asio::post(io_, [this, error = results.error()] {
      (void)log_.write(EventId::database_error,
                       "Data could not be written; nothing was acknowledged and the write is "
                       "retried: " +
                           error.describe());
    });
    return false;
  }
  IngestStats add{1, work.size(), 0, 0, 0};
  for (std::size_t i = 0; i < work.size(); ++i) {
    const storage::IngestResult& r = (*results)[i];
    add.written += r.written;
    add.duplicates += r.duplicates;
    add.refused += r.refused.size();
    log_refusals(batches[i], r.refused);
    boost::asio::post(io_, [this, from = work[i].from, origin = work[i].batch.origin(), r] {
      if (r.gap_from != 0) {
        (void)log_.write(EventId::data_gap,
                         fmt::format("Items {} to {} of {} never arrived: its queue dropped them "
                                     "(look for 2023, 2120 or 30041 in its event log).",
                                     r.gap_from, r.gap_to, origin),
                         {{"origin", origin}});
      }
      wire::Envelope answer = ack(origin, r.through_seq);
      answer.mutable_ack()->set_resend(r.out_of_order);
      if (auto session = from.lock()) session->send(std::move(answer));
    });
  }
  const std::lock_guard lock(mutex_);
  stats_.commits += add.commits;
  stats_.batches += add.batches;
  stats_.written += add.written;
  stats_.duplicates += add.duplicates;
  stats_.refused += add.refused;
  return true;
}

void Ingest::log_refusals(const storage::IngestBatch& batch,
                          const std::vector<std::uint64_t>& refused) {
  if (refused.empty()) return;
  std::vector<std::string> messages;
  for (const auto& item : batch.items) {
    if (messages.size() == kRefusalsLoggedPerBatch) break;
    if (std::ranges::find(refused, item.seq) != refused.end()) {
      messages.push_back(refusal_message(batch.origin, item));
    }
  }
  if (refused.size() > messages.size()) {
    messages.push_back(
        fmt::format("{} more items of this batch of {} were refused (items {} to "
                    "{}); only the first {} are logged one by one.",
                    refused.size() - messages.size(), batch.origin, refused.front(), refused.back(),
                    kRefusalsLoggedPerBatch));
  }
  boost::asio::post(io_, [this, origin = batch.origin, messages = std::move(messages)] {
    for (const auto& m : messages)
      (void)log_.write(EventId::item_refused, m, {{"origin", origin}});
  });
}

}  // namespace outpost::server

#include "agent/data_sender.hpp"

#include <fmt/format.h>

namespace outpost::agent {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kBatchItems = 500;
constexpr std::size_t kBatchBytes = 256 * 1024;
constexpr std::uint64_t kWindow = 20000;
constexpr auto kResendAfter = 10s;

wire::Item to_wire(const queue::StoredItem& stored) {
  wire::Item item;
  item.set_seq(stored.seq);
  item.set_produced_unix_ms(stored.produced_unix_ms);
  switch (stored.kind) {
    case queue::ItemKind::sample:
      item.set_sample(stored.payload);
      break;
    case queue::ItemKind::check:
      item.set_check(stored.payload);
      break;
    case queue::ItemKind::event:
      item.set_event(stored.payload);
      break;
  }
  return item;
}

}  // namespace

DataSender::DataSender(boost::asio::any_io_executor executor, queue::DurableQueue& queue,
                       std::string origin, EventLog& log)
    : queue_(queue), origin_(std::move(origin)), log_(log), resend_(std::move(executor)) {}

void DataSender::connected(const std::shared_ptr<channel::Session>& session) {
  session_ = session;
  sent_through_ = queue_.stats().acked_through;  // resend everything not acknowledged
  rewound_to_.reset();
  last_progress_ = std::chrono::steady_clock::now();
  pump();
  arm_resend();
}

void DataSender::lost() {
  session_.reset();
  resend_.cancel();
}

void DataSender::on_ack(const wire::Ack& ack) {
  if (ack.origin() != origin_) return;
  const std::uint64_t acked = queue_.stats().acked_through;
  if (ack.resend()) {
    rewind(ack.through_seq());
  } else {
    rewound_to_.reset();
    if (ack.through_seq() >= acked) server_mark_below_.reset();
  }
  if (ack.through_seq() <= acked) return;
  if (auto freed = queue_.ack(ack.through_seq()); !freed) {
    (void)log_.write(
        EventId::queue_write_failed,
        "The durable queue cannot record an acknowledgement: " + freed.error().describe());
  }
  last_ack_ = Clock::now();
  last_progress_ = std::chrono::steady_clock::now();
  if (sent_through_ < ack.through_seq()) sent_through_ = ack.through_seq();
  pump();
}

// The server refused a batch that came out of order (a relay dropped the one before): send
// again from its mark. Every refused batch in flight says the same; one rewind per mark.
//
// A mark below what this agent already freed means the database lost items it had acknowledged
// (restored from a backup, or a replica that was behind): the agent no longer holds them, so it
// says so (previous_seq = the server's mark) and the server records the gap instead of waiting.
void DataSender::rewind(std::uint64_t through) {
  if (rewound_to_ == through || sent_through_ <= through) return;
  rewound_to_ = through;
  const std::uint64_t acked = queue_.stats().acked_through;
  if (through < acked && server_mark_below_ != through) {
    server_mark_below_ = through;
    (void)log_.write(EventId::data_gap,
                     fmt::format("The management server's database has {}'s items only up to {}, "
                                 "but acknowledged them up to {}: items {} to {} are lost there "
                                 "(was the database restored from a backup?).",
                                 origin_, through, acked, through + 1, acked));
  }
  sent_through_ = std::max(through, acked);
  last_progress_ = std::chrono::steady_clock::now();
  pump();
}

void DataSender::pump() {
  auto session = session_.lock();
  if (!session || !session->is_open()) return;
  const std::uint64_t acked = queue_.stats().acked_through;
  if (sent_through_ < acked) sent_through_ = acked;
  bool flushed = false;
  while (sent_through_ - acked < kWindow) {
    auto items = queue_.peek(sent_through_, kBatchItems, kBatchBytes);
    if (items.empty()) return;
    // A batch is consecutive (the server checks it): it ends before a seq the queue skipped
    // (after a power loss, 30041); the next one names its predecessor, and the server logs the gap.
    for (std::size_t i = 1; i < items.size(); ++i) {
      if (items[i].seq != items[i - 1].seq + 1) {
        items.resize(i);
        break;
      }
    }
    if (!flushed) {  // nothing leaves the agent before it is on disk
      if (auto ok = queue_.flush(); !ok) {
        (void)log_.write(ok.error().event, ok.error().describe());
        return;
      }
      flushed = true;
    }
    wire::Envelope envelope;
    auto* batch = envelope.mutable_data_batch();
    batch->set_origin(origin_);
    batch->set_first_seq(items.front().seq);
    // The queue holds nothing in between (nor, when the server lost what it had acknowledged,
    // anything above the server's mark up to what was acknowledged).
    batch->set_previous_seq(sent_through_ == acked && server_mark_below_ ? *server_mark_below_
                                                                         : sent_through_);
    for (const auto& item : items)
      *batch->add_items() = to_wire(item);
    sent_through_ = items.back().seq;
    if (!session->send(std::move(envelope))) return;
  }
}

// While items are in flight and no Ack came for kResendAfter, start again from the oldest.
void DataSender::arm_resend() {
  resend_.expires_after(kResendAfter);
  resend_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    const std::uint64_t acked = queue_.stats().acked_through;
    if (sent_through_ > acked &&
        std::chrono::steady_clock::now() - last_progress_ >= kResendAfter) {
      sent_through_ = acked;
      last_progress_ = std::chrono::steady_clock::now();
      pump();
    }
    if (!session_.expired()) arm_resend();
  });
}

nlohmann::json DataSender::status() const {
  const queue::QueueStats s = queue_.stats();
  const auto oldest_age =
      s.oldest_produced
          ? std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - *s.oldest_produced)
                .count()
          : 0;
  return {{"depth", s.items},
          {"bytes", s.bytes},
          {"oldest_age_s", oldest_age},
          {"oldest_produced", s.oldest_produced ? format_utc(*s.oldest_produced) : ""},
          {"next_seq", s.next_seq},
          {"acked_through", s.acked_through},
          {"in_flight", sent_through_ > s.acked_through ? sent_through_ - s.acked_through : 0},
          {"last_ack", last_ack_ ? format_utc(*last_ack_) : ""},
          {"dropped_for_size", s.dropped_for_size},
          {"dropped_for_age", s.dropped_for_age}};
}

}  // namespace outpost::agent

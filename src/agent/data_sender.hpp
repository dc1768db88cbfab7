// Sends the agent's durable queue to its parent (DESIGN §4): DataBatch frames of consecutive
// items, at most kWindow unacknowledged items in flight; each Ack frees what the database has
// committed. On every new session, and whenever no Ack arrives for kResendAfter while items are
// in flight (a gateway whose upstream is down drops batches), everything not acknowledged is
// sent again from the oldest: at-least-once on the wire; the server drops duplicates, so it is
// exactly once in the database. Items are flushed to disk (fsync) before they are sent. Each
// batch names the seq held just before it; a batch the server refuses as out of order (a relay
// dropped an earlier one) comes back as an Ack with `resend`, and the sender rewinds to it.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "channel/session.hpp"
#include "core/event_log.hpp"
#include "queue/durable_queue.hpp"

namespace outpost::agent {

class DataSender {
 public:
  DataSender(boost::asio::any_io_executor executor, queue::DurableQueue& queue, std::string origin,
             EventLog& log);

  void connected(const std::shared_ptr<channel::Session>& session);
  void lost();
  void on_ack(const wire::Ack& ack);
  // Sends what the window allows; call after appending.
  void pump();
  [[nodiscard]] nlohmann::json status() const;  // queue depth, oldest item, last ack

 private:
  void arm_resend();
  void rewind(std::uint64_t through);

  queue::DurableQueue& queue_;
  std::string origin_;
  EventLog& log_;
  std::weak_ptr<channel::Session> session_;
  std::uint64_t sent_through_ = 0;
  std::optional<std::uint64_t> rewound_to_;         // the mark of the last rewind since an Ack
  std::optional<std::uint64_t> server_mark_below_;  // the server's mark, when below acked
  std::optional<TimePoint> last_ack_;
  std::chrono::steady_clock::time_point last_progress_;
  boost::asio::steady_timer resend_;
};

}  // namespace outpost::agent

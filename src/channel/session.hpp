// A connection is an actor: after the hello, one Session owns the AuthenticatedPeer and runs
// three coroutines on the daemon's (single-threaded) executor: a reader that hands every
// envelope to the owner, a writer that drains a bounded send queue, and a keepalive. A peer
// that sends nothing for `dead_peer` is closed; close() is idempotent and reports once.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "channel/hello.hpp"

namespace outpost::channel {

// Keepalive and dead-peer timeouts are protocol constants, the same on every node, so that two
// nodes with different heartbeat settings never declare each other dead: a peer is dead after
// missing three keepalives and a margin.
struct SessionSettings {
  std::chrono::milliseconds keepalive{10000};
  std::chrono::milliseconds dead_peer{35000};  // longer than three of the peer's keepalives
  std::chrono::milliseconds write_timeout{30000};
  std::size_t send_queue_limit = 65536;  // envelopes; beyond it the peer is too slow: closed
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  using MessageHandler = std::function<void(const std::shared_ptr<Session>&, wire::Envelope)>;
  using CloseHandler = std::function<void(const std::shared_ptr<Session>&, const std::string&)>;

  // Starts the session's coroutines; the session lives until it is closed.
  static std::shared_ptr<Session> start(AuthenticatedPeer peer, SessionSettings settings,
                                        MessageHandler on_message, CloseHandler on_closed);

  // Queues an envelope; false when the session is closed (or was just closed for overflow).
  bool send(wire::Envelope envelope);
  // Closes the connection (once) and tells the owner why.
  void close(const std::string& reason);
  // Closes once what is queued (e.g. a Reject) has been written, within the write timeout.
  void close_after_flush(const std::string& reason);

  [[nodiscard]] const PeerIdentity& peer() const { return peer_.identity(); }
  [[nodiscard]] bool is_open() const { return !closed_; }
  [[nodiscard]] TimePoint since() const { return since_; }
  [[nodiscard]] const std::string& remote_address() const { return remote_; }

  Session(AuthenticatedPeer peer, SessionSettings settings, MessageHandler on_message,
          CloseHandler on_closed);  // use start()

 private:
  asio::awaitable<void> read_loop();
  asio::awaitable<void> write_loop();
  asio::awaitable<void> keepalive_loop();

  AuthenticatedPeer peer_;
  SessionSettings settings_;
  MessageHandler on_message_;
  CloseHandler on_closed_;
  std::deque<wire::Envelope> queue_;
  asio::steady_timer wake_writer_;
  asio::steady_timer keepalive_timer_;
  TimePoint since_ = Clock::now();
  std::string remote_;  // "address:port" of the peer, taken when the session starts
  std::uint32_t frame_limit_;
  bool closed_ = false;
  std::optional<std::string> closing_;  // set by close_after_flush
};

}  // namespace outpost::channel

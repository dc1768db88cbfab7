// A connection is an actor: after the hello, one Session owns the AuthenticatedPeer and runs
// three coroutines on the daemon's (single-threaded) executor: a reader that hands every
// envelope to the owner, a writer that drains a bounded send queue, and a keepalive. A peer
// that sends nothing for `dead_peer` is closed; close() is idempotent and reports once, with
// the event its owner logs for it. The send queue is bounded in messages and in bytes, for the
// session and (through a shared BufferBudget) for the daemon: a peer that does not read what
// waits for it is closed with 30080. The reader can be held back (`before_read`) while what it
// would pass on has no room: a gateway's agents while its management server does not keep up.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "channel/buffer_budget.hpp"
#include "channel/hello.hpp"
#include "core/config.hpp"
#include "core/events.hpp"

namespace outpost::channel {

// Keepalive and dead-peer timeouts are protocol constants, the same on every node, so that two
// nodes with different heartbeat settings never declare each other dead: a peer is dead after
// missing three keepalives and a margin.
struct SessionSettings {
  std::chrono::milliseconds keepalive{10000};
  std::chrono::milliseconds dead_peer{35000};  // longer than three of the peer's keepalives
  std::chrono::milliseconds write_timeout{30000};
  std::size_t send_queue_limit = 65536;  // envelopes; beyond it the peer is too slow: closed
  std::size_t max_queued_bytes = std::size_t{64} << 20;  // [limits] session_max_buffered_mb
  std::shared_ptr<BufferBudget> budget;                  // the daemon's, or none
  // Awaited before each envelope is read (never in the middle of one).
  std::function<asio::awaitable<void>()> before_read;
};

// [limits] of `config` and the daemon's budget, with the keepalive defaults.
[[nodiscard]] SessionSettings session_settings(const NodeConfig& config,
                                               std::shared_ptr<BufferBudget> budget);

// Why a session ended: the event its owner logs and the words.
struct Closure {
  EventId event = EventId::peer_disconnected;
  std::string reason;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  using MessageHandler = std::function<void(const std::shared_ptr<Session>&, wire::Envelope)>;
  using CloseHandler = std::function<void(const std::shared_ptr<Session>&, const Closure&)>;

  // Starts the session's coroutines; the session lives until it is closed.
  static std::shared_ptr<Session> start(AuthenticatedPeer peer, SessionSettings settings,
                                        MessageHandler on_message, CloseHandler on_closed);

  // Queues an envelope; false when the session is closed, or when the envelope would pass one of
  // the bounds: the session is then closed (30080) right after the caller's turn.
  bool send(wire::Envelope envelope);
  // Closes the connection (once) and tells the owner why (30023 unless the closure says else).
  void close(const std::string& reason);
  void close(Closure closure);
  // Closes once what is queued (e.g. a Reject) has been written, within the write timeout.
  void close_after_flush(const std::string& reason);
  // This node stops on purpose: a Goodbye for `origin` (this node) goes after what is queued;
  // the parent closes the connection when it reads it (see stop_after_goodbye).
  void say_goodbye(const std::string& origin, const std::string& reason);

  [[nodiscard]] const PeerIdentity& peer() const { return peer_.identity(); }
  [[nodiscard]] bool is_open() const { return !closed_; }
  [[nodiscard]] TimePoint since() const { return since_; }
  [[nodiscard]] const std::string& remote_address() const { return remote_; }
  // Bytes of the envelopes waiting to be sent (and the one being written).
  [[nodiscard]] std::size_t queued_bytes() const { return queued_bytes_; }
  // Returns once at most `bytes` wait to be sent, or the session is closed.
  [[nodiscard]] asio::awaitable<void> wait_below(std::size_t bytes);

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
  [[nodiscard]] bool over_budget(std::size_t bytes);

  struct Queued {
    wire::Envelope envelope;
    std::size_t bytes;
  };
  std::deque<Queued> queue_;
  std::size_t queued_bytes_ = 0;
  std::size_t wake_below_ = 0;  // wait_below()'s threshold
  asio::steady_timer wake_writer_;
  asio::steady_timer drained_;  // cancelled when the queue falls to wake_below_, or on close
  asio::steady_timer keepalive_timer_;
  TimePoint since_ = Clock::now();
  std::string remote_;  // "address:port" of the peer, taken when the session starts
  std::uint32_t frame_limit_;
  bool closed_ = false;
  bool overflowed_ = false;             // over a bound: closing, nothing more is queued
  std::optional<std::string> closing_;  // set by close_after_flush
};

}  // namespace outpost::channel

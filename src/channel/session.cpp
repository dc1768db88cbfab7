#include "channel/session.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

#include "channel/frames_io.hpp"

namespace outpost::channel {

std::shared_ptr<Session> Session::start(AuthenticatedPeer peer, SessionSettings settings,
                                        MessageHandler on_message, CloseHandler on_closed) {
  auto session = std::make_shared<Session>(std::move(peer), settings, std::move(on_message),
                                           std::move(on_closed));
  // Posted, not dispatched: co_spawn would run the reader inside start() when called on the
  // executor's thread, and a frame that came with the hello could then close the session
  // before the owner even holds it.
  const auto executor = session->peer_.stream().get_executor();
  asio::post(executor, [session, executor] {
    asio::co_spawn(
        executor, [s = session] { return s->read_loop(); }, asio::detached);
    asio::co_spawn(
        executor, [s = session] { return s->write_loop(); }, asio::detached);
    asio::co_spawn(
        executor, [s = session] { return s->keepalive_loop(); }, asio::detached);
  });
  return session;
}

Session::Session(AuthenticatedPeer peer, SessionSettings settings, MessageHandler on_message,
                 CloseHandler on_closed)
    : peer_(std::move(peer)),
      settings_(settings),
      on_message_(std::move(on_message)),
      on_closed_(std::move(on_closed)),
      wake_writer_(peer_.stream().get_executor(), std::chrono::steady_clock::time_point::max()),
      keepalive_timer_(peer_.stream().get_executor()),
      frame_limit_(peer_.decoder().limit()) {
  boost::system::error_code ec;
  const auto endpoint = peer_.stream().next_layer().remote_endpoint(ec);
  remote_ = ec ? std::string("unknown")
               : fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port());
}

bool Session::send(wire::Envelope envelope) {
  if (closed_ || closing_) return false;
  if (queue_.size() >= settings_.send_queue_limit) {
    close(fmt::format("the peer does not keep up: {} messages wait to be sent", queue_.size()));
    return false;
  }
  queue_.push_back(std::move(envelope));
  wake_writer_.cancel();
  return true;
}

void Session::close_after_flush(const std::string& reason) {
  if (closed_ || closing_) return;
  closing_ = reason;
  wake_writer_.cancel();
}

void Session::close(const std::string& reason) {
  if (closed_) return;
  closed_ = true;
  wake_writer_.cancel();
  keepalive_timer_.cancel();
  boost::system::error_code ignored;
  peer_.stream().next_layer().shutdown(net::tcp::socket::shutdown_both, ignored);
  peer_.stream().next_layer().close(ignored);
  if (on_closed_) on_closed_(shared_from_this(), reason);
}

asio::awaitable<void> Session::read_loop() {
  auto self = shared_from_this();
  while (!closed_) {
    auto envelope = co_await read_envelope(peer_.stream(), peer_.decoder(), settings_.dead_peer);
    if (closed_) break;
    if (!envelope) {
      close(envelope.error().message);
      break;
    }
    if (envelope->has_keepalive()) {         // its arrival already proved the peer alive
      if (!envelope->keepalive().reply()) {  // answered, so that a peer with a shorter
        wire::Envelope answer;               // dead-peer timeout than our keepalive hears us
        answer.mutable_keepalive()->set_sequence(envelope->keepalive().sequence());
        answer.mutable_keepalive()->set_reply(true);
        send(std::move(answer));
      }
      continue;
    }
    on_message_(self, std::move(*envelope));
  }
}

asio::awaitable<void> Session::write_loop() {
  auto self = shared_from_this();
  while (!closed_) {
    if (queue_.empty() && closing_) {
      close(*closing_);
      break;
    }
    if (queue_.empty()) {
      wake_writer_.expires_at(std::chrono::steady_clock::time_point::max());
      boost::system::error_code ec;
      co_await wake_writer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    wire::Envelope next = std::move(queue_.front());
    queue_.pop_front();
    auto written = co_await write_envelope(peer_.stream(), std::move(next), frame_limit_,
                                           settings_.write_timeout);
    if (!written && !closed_) close(written.error().message);
  }
}

asio::awaitable<void> Session::keepalive_loop() {
  auto self = shared_from_this();
  std::uint64_t sequence = 0;
  while (!closed_) {
    keepalive_timer_.expires_after(settings_.keepalive);
    boost::system::error_code ec;
    co_await keepalive_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (closed_) break;
    wire::Envelope keepalive;
    keepalive.mutable_keepalive()->set_sequence(++sequence);
    send(std::move(keepalive));
  }
}

}  // namespace outpost::channel

#include "channel/session.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

#include "channel/close_on_failure.hpp"
#include "channel/frames_io.hpp"

namespace outpost::channel {
namespace {

double mib(std::size_t bytes) {
  return static_cast<double>(bytes) / (1024.0 * 1024.0);
}

}  // namespace

SessionSettings session_settings(const NodeConfig& config, std::shared_ptr<BufferBudget> budget) {
  SessionSettings settings;
  settings.max_queued_bytes = static_cast<std::size_t>(config.session_max_buffered_mb) << 20;
  settings.budget = std::move(budget);
  return settings;
}

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
        executor, [s = session] { return s->read_loop(); }, close_on_failure(session, "reader"));
    asio::co_spawn(
        executor, [s = session] { return s->write_loop(); }, close_on_failure(session, "writer"));
    asio::co_spawn(
        executor, [s = session] { return s->keepalive_loop(); },
        close_on_failure(session, "keepalive"));
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
      drained_(peer_.stream().get_executor(), std::chrono::steady_clock::time_point::max()),
      keepalive_timer_(peer_.stream().get_executor()),
      frame_limit_(peer_.decoder().limit()) {
  boost::system::error_code ec;
  const auto endpoint = peer_.stream().next_layer().remote_endpoint(ec);
  remote_ = ec ? std::string("unknown")
               : fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port());
  if (settings_.budget) settings_.budget->opened();
}

bool Session::send(wire::Envelope envelope) {
  if (closed_ || closing_ || overflowed_) return false;
  const std::size_t bytes = envelope.ByteSizeLong();
  if (over_budget(bytes)) return false;
  queue_.push_back(Queued{std::move(envelope), bytes});
  queued_bytes_ += bytes;
  if (settings_.budget) settings_.budget->add(bytes);
  wake_writer_.cancel();
  return true;
}

// Closes the session (30080) when `bytes` more would pass one of its bounds.
bool Session::over_budget(std::size_t bytes) {
  std::string why;
  if (queue_.size() >= settings_.send_queue_limit) {
    why = fmt::format("{} messages wait to be sent to it", queue_.size());
  } else if (queued_bytes_ + bytes > settings_.max_queued_bytes) {
    why = fmt::format(
        "{:.1f} MiB wait to be sent to it, more than [limits] "
        "session_max_buffered_mb = {}",
        mib(queued_bytes_ + bytes), settings_.max_queued_bytes >> 20);
  } else if (settings_.budget && !settings_.budget->allows(queued_bytes_, bytes)) {
    const BufferBudget& budget = *settings_.budget;
    why = fmt::format(
        "this node holds {:.1f} MiB for its peers, more than [limits] "
        "daemon_max_buffered_mb = {}, and {:.1f} MiB of it wait for this peer, "
        "more than its share ({:.1f} MiB for {} connections)",
        mib(budget.held() + bytes), budget.limit() >> 20, mib(queued_bytes_ + bytes),
        mib(budget.fair_share()), budget.sessions());
  } else {
    return false;
  }
  // Closed from the executor, not from inside send(): the sender may be walking the very set
  // of sessions that the owner's close handler erases this one from.
  overflowed_ = true;
  asio::post(peer_.stream().get_executor(),
             [self = shared_from_this(),
              closure = Closure{EventId::peer_over_buffer,
                                "the peer does not read what is sent to it: " + why}]() mutable {
               self->close(std::move(closure));
             });
  return true;
}

asio::awaitable<void> Session::wait_below(std::size_t bytes) {
  auto self = shared_from_this();
  while (!closed_ && queued_bytes_ > bytes) {
    wake_below_ = bytes;
    drained_.expires_at(std::chrono::steady_clock::time_point::max());
    boost::system::error_code ec;
    co_await drained_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

void Session::close_after_flush(const std::string& reason) {
  if (closed_ || closing_) return;
  closing_ = reason;
  wake_writer_.cancel();
}

void Session::say_goodbye(const std::string& origin, const std::string& reason) {
  wire::Envelope goodbye;
  goodbye.mutable_goodbye()->set_origin(origin);
  goodbye.mutable_goodbye()->set_reason(reason);
  send(std::move(goodbye));
}

void Session::close(const std::string& reason) {
  close(Closure{EventId::peer_disconnected, reason});
}

void Session::close(Closure closure) {
  if (closed_) return;
  closed_ = true;
  wake_writer_.cancel();
  keepalive_timer_.cancel();
  drained_.cancel();
  if (settings_.budget) {  // what waits is dropped with the session
    settings_.budget->release(queued_bytes_);
    settings_.budget->closed();
  }
  queued_bytes_ = 0;
  queue_.clear();
  boost::system::error_code ignored;
  peer_.stream().next_layer().shutdown(net::tcp::socket::shutdown_both, ignored);
  peer_.stream().next_layer().close(ignored);
  if (on_closed_) on_closed_(shared_from_this(), closure);
}

asio::awaitable<void> Session::read_loop() {
  auto self = shared_from_this();
  while (!closed_) {
    if (settings_.before_read) {
      co_await settings_.before_read();
      if (closed_) break;
    }
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
    Queued next = std::move(queue_.front());
    queue_.pop_front();
    auto written = co_await write_envelope(peer_.stream(), std::move(next.envelope), frame_limit_,
                                           settings_.write_timeout);
    if (closed_) break;  // close() released what was queued, this one included
    queued_bytes_ -= next.bytes;
    if (settings_.budget) settings_.budget->release(next.bytes);
    if (queued_bytes_ <= wake_below_) drained_.cancel();
    if (!written) close(written.error().message);
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

#include "channel/goodbye.hpp"

#include <exception>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace outpost::channel {
namespace {

namespace asio = boost::asio;

// Polls, boundedly, for the session to close after its Goodbye was written.
asio::awaitable<void> wait_closed(std::shared_ptr<Session> upstream,
                                  std::chrono::milliseconds limit) {
  const auto step = std::chrono::milliseconds(20);
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (auto waited = std::chrono::milliseconds(0); upstream->is_open() && waited < limit;
       waited += step) {
    timer.expires_after(step);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

}  // namespace

void stop_after_goodbye(asio::io_context& io, const std::shared_ptr<Session>& upstream,
                        const std::string& origin, const std::string& reason,
                        std::chrono::milliseconds limit) {
  if (!upstream || !upstream->is_open()) {
    io.stop();
    return;
  }
  upstream->say_goodbye(origin, reason);
  // The io_context stops either way; an exception is rethrown out of io.run(), never dropped.
  asio::co_spawn(io, wait_closed(upstream, limit), [&io](const std::exception_ptr& failure) {
    io.stop();
    if (failure) std::rethrow_exception(failure);
  });
}

}  // namespace outpost::channel

#include "channel/goodbye.hpp"

#include <exception>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace outpost::channel {
namespace {

namespace asio = boost::asio;

// Polls, boundedly, for the parent to close the session once it read the Goodbye (closing here
// first could reset the connection, on a real network, before the Goodbye is delivered); then
// closes it in any case.
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
  upstream->close("this node is stopping");
}

}  // namespace

std::string goodbye_reason(const wire::Goodbye& goodbye) {
  constexpr std::size_t kMax = 200;
  std::string out;
  for (const char c : goodbye.reason()) {
    if (out.size() == kMax) {
      out += "...";
      break;
    }
    const auto byte = static_cast<unsigned char>(c);
    out += byte < 0x20 || byte == 0x7f ? '?' : c;
  }
  return out;
}

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

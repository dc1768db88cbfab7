#include "channel/frames_io.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <fmt/format.h>

namespace outpost::channel {
namespace {

using namespace asio::experimental::awaitable_operators;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

}  // namespace

asio::awaitable<Result<wire::Envelope>> read_envelope(net::TlsStream& stream,
                                                      wire::FrameDecoder& decoder,
                                                      std::chrono::milliseconds limit) {
  asio::steady_timer timer(co_await asio::this_coro::executor, limit);
  // Small: this frame lives as long as the connection waits for its next message, and a large
  // frame is read in several turns anyway (docs/performance.md, memory per connection).
  std::array<std::uint8_t, 4 * 1024> buffer{};
  for (;;) {
    if (auto envelope = decoder.next()) co_return std::move(*envelope);
    if (const auto& error = decoder.error()) {
      co_return fail("the peer sent an invalid frame: " + error->reason,
                     "check that the peer runs a compatible Outpost version",
                     EventId::closed_before_auth);
    }
    auto outcome =
        co_await (stream.async_read_some(asio::buffer(buffer), kTuple) || timer.async_wait(kTuple));
    if (outcome.index() == 1) {
      auto failure =
          fail(fmt::format("no message from the peer within {} ms", limit.count()),
               "check the peer's health and the network path", EventId::closed_before_auth);
      failure.error().cause = Cause::timed_out;
      co_return failure;
    }
    const auto [ec, n] = std::get<0>(outcome);
    if (ec) {
      auto failure =
          fail(ec == asio::error::eof || ec == asio::ssl::error::stream_truncated
                   ? std::string("the peer closed the connection")
                   : "reading from the peer failed: " + net::describe_tls_error(ec),
               "look at the peer's event log for its reason", EventId::closed_before_auth);
      failure.error().cause = net::tls_cause(ec);
      co_return failure;
    }
    decoder.feed(std::span<const std::uint8_t>(buffer.data(), n));
  }
}

asio::awaitable<Result<void>> write_envelope(net::TlsStream& stream, wire::Envelope envelope,
                                             std::uint32_t frame_limit,
                                             std::chrono::milliseconds limit) {
  std::vector<std::uint8_t> bytes;
  if (auto encoded = wire::encode_frame(envelope, bytes, frame_limit); !encoded) {
    co_return std::unexpected(encoded.error());
  }
  asio::steady_timer timer(co_await asio::this_coro::executor, limit);
  auto outcome =
      co_await (asio::async_write(stream, asio::buffer(bytes), kTuple) || timer.async_wait(kTuple));
  if (outcome.index() == 1) {
    co_return fail(fmt::format("sending to the peer took longer than {} ms", limit.count()),
                   "check the network path", EventId::closed_before_auth);
  }
  const auto [ec, n] = std::get<0>(outcome);
  if (ec) {
    co_return fail("sending to the peer failed: " + ec.message(), "", EventId::closed_before_auth);
  }
  co_return Result<void>{};
}

}  // namespace outpost::channel

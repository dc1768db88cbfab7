// Reading and writing whole envelopes on a TLS stream, each bounded in time.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>

#include "core/error.hpp"
#include "net/tls.hpp"
#include "wire/frame.hpp"

namespace outpost::channel {

namespace asio = boost::asio;

// The next envelope, reading as much as needed. Errors: the peer closed (20071 before the
// hello completed), the time ran out, or the bytes were not a valid frame (with the reason).
[[nodiscard]] asio::awaitable<Result<wire::Envelope>> read_envelope(
    net::TlsStream& stream, wire::FrameDecoder& decoder, std::chrono::milliseconds limit);

[[nodiscard]] asio::awaitable<Result<void>> write_envelope(net::TlsStream& stream,
                                                           wire::Envelope envelope,
                                                           std::uint32_t frame_limit,
                                                           std::chrono::milliseconds limit);

}  // namespace outpost::channel

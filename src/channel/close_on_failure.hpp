// The completion handler for a coroutine that works for one session (its reader, writer and
// keepalive; a node's heartbeat sender and failback probe): an exception that ends it closes the
// session, and the owner's close handler logs it (30023 with the exception's text). Never
// dropped, as asio::detached would drop it, leaving a connection that seems up and does nothing.
#pragma once

#include <exception>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "channel/logged_failure.hpp"
#include "channel/session.hpp"

namespace outpost::channel {

inline auto close_on_failure(std::shared_ptr<Session> session, const char* part) {
  return [session = std::move(session), part](const std::exception_ptr& failure) {
    if (!failure) return;
    session->close(Closure{EventId::peer_disconnected, fmt::format("the connection's {} failed: {}",
                                                                   part, failure_text(failure))});
  };
}

}  // namespace outpost::channel

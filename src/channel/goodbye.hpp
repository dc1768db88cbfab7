// A daemon that stops on purpose (SIGTERM, SIGINT) tells its parent: a Goodbye on its upstream
// session, so the management group shows it stopped at once instead of after the heartbeat
// timeout. The daemon's io_context stops once the Goodbye is written and the session closed, or
// after `limit` (a parent that does not read is not waited for).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "channel/session.hpp"

namespace outpost::channel {

// A Goodbye's reason as a parent logs it: at most 200 bytes, control characters replaced (the
// peer chose it; a frame may hold 16 MiB).
[[nodiscard]] std::string goodbye_reason(const wire::Goodbye& goodbye);

void stop_after_goodbye(boost::asio::io_context& io, const std::shared_ptr<Session>& upstream,
                        const std::string& origin, const std::string& reason,
                        std::chrono::milliseconds limit = std::chrono::seconds(2));

}  // namespace outpost::channel

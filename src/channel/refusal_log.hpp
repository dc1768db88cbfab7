// The accepting side's record of a connection refused during TLS, the same for every daemon.
#pragma once

#include <fmt/format.h>

#include "core/event_log.hpp"
#include "net/connect.hpp"

namespace outpost::channel {

// A RefusalHandler that writes each refusal to `log` as 20002 (a device could not be
// authenticated) with the peer's address, the reason and the event of the cause (20072: its
// certificate is not trusted here; 20071: it presented none, timed out, or refused ours).
inline net::RefusalHandler log_refusals(EventLog& log) {
  return [&log](const net::Refusal& refusal) {
    (void)log.write(EventId::device_not_authenticated,
                    fmt::format("A device at {} attempted to connect but could not be "
                                "authenticated, and was rejected (cause {}): {}",
                                refusal.remote, number(refusal.event), refusal.reason),
                    {{"remote", refusal.remote}, {"cause", number(refusal.event)}});
  };
}

}  // namespace outpost::channel

// The accepting side's record of a connection refused during TLS, the same for every daemon.
#pragma once

#include <fmt/format.h>

#include "core/event_log.hpp"
#include "net/connect.hpp"

namespace outpost::channel {

// A RefusalHandler that writes each refusal to `log` with its event and the peer's address.
inline net::RefusalHandler log_refusals(EventLog& log) {
  return [&log](const net::Refusal& refusal) {
    (void)log.write(
        refusal.event,
        fmt::format("Refused a connection from {} during TLS: {}", refusal.remote, refusal.reason),
        {{"remote", refusal.remote}});
  };
}

}  // namespace outpost::channel

// The management server's admission decision, from the database: gateways must be approved;
// agents follow [admission] agents (reject | review | auto) on first sight and their recorded
// approval afterwards; a name registered for another role is never admitted as an agent. The
// same decision serves agents that connect directly and agents a gateway asks about.
#pragma once

#include "channel/hello.hpp"
#include "core/config.hpp"
#include "core/event_log.hpp"
#include "storage/storage.hpp"

namespace outpost::server {

// An approved gateway is bound to the key it first connected with (30092); another key is
// refused (30093) until an operator runs gateway approve --rebind. Part of decide_admission for
// gateways that connect; called on its own for gateways the server dials.
[[nodiscard]] channel::Admission check_gateway_key(storage::Storage& db, EventLog& log,
                                                   const channel::PeerIdentity& gateway);

[[nodiscard]] channel::Admission decide_admission(storage::Storage& db, const NodeConfig& config,
                                                  EventLog& log, const channel::PeerIdentity& peer);

}  // namespace outpost::server

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

[[nodiscard]] channel::Admission decide_admission(storage::Storage& db, const NodeConfig& config,
                                                  EventLog& log, const channel::PeerIdentity& peer);

}  // namespace outpost::server

// The pieces of `outpost status` every daemon shares: its channel certificate and its sessions
// as JSON, for the admin socket's "status" answer.
#pragma once

#include <nlohmann/json.hpp>

#include "channel/session.hpp"
#include "core/config.hpp"
#include "pki/stores.hpp"

namespace outpost::channel {

[[nodiscard]] nlohmann::json certificate_status(const pki::ChannelCertificate& certificate);

// {"fqdn", "role", "address", "since", "send_queue_bytes"} of the peer of an open session.
[[nodiscard]] nlohmann::json session_status(const Session& session);

// {"held_bytes", "peak_bytes", "limit_bytes", "connections"}: what the daemon's sessions hold.
[[nodiscard]] nlohmann::json buffer_status(const BufferBudget& budget);

// The parent connection: the peer plus the host and port dialled and whether it is the primary.
[[nodiscard]] nlohmann::json parent_status(const Session& session, const Endpoint& dialled,
                                           bool primary);

// The common head of every daemon's status: fqdn, role, group, listen address, certificate.
[[nodiscard]] nlohmann::json node_status(const NodeConfig& config, std::string_view role,
                                         const pki::ChannelCertificate& certificate,
                                         const std::optional<Endpoint>& listening);

}  // namespace outpost::channel

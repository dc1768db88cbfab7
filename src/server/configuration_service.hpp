// The configuration service (DESIGN §5): composes each node's configuration document — its
// parent list from the topology operators set (outpost gateway set-failover, outpost agent
// set-parent), and the group's heartbeat settings — and its state cookie. The management server
// pushes a ConfigUpdate when a node's heartbeat carries another cookie, and at once when an
// operator changes the node's topology.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/config.hpp"
#include "storage/storage.hpp"
#include "wire/frame.hpp"

namespace outpost::server {

struct ComposedConfiguration {
  std::string target;
  std::string document;
  std::string cookie;
};

[[nodiscard]] Result<ComposedConfiguration> compose_configuration(storage::Storage& db,
                                                                  const NodeConfig& config,
                                                                  const std::string& fqdn);

[[nodiscard]] wire::Envelope config_update(const ComposedConfiguration& composed);

// The admin commands "gateway.set-failover" and "agent.set-parent": {"fqdn", "primary",
// "failover": [...], "force"}. Refuses a change that would orphan the node (none of its new
// parents is the one it is connected through, nor up) unless forced.
[[nodiscard]] nlohmann::json set_topology(storage::Storage& db, const NodeConfig& config,
                                          const nlohmann::json& request);

}  // namespace outpost::server

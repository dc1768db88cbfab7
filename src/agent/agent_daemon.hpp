// `outpost agent`: the composition root of an agent. It loads its channel certificate and keeps
// a link to one of its parents (channel/parent_link.hpp): primary first, failover to the others
// and failback to the primary, heartbeats at the interval the parent names with the state
// cookie. It applies configuration from the configuration service without reconnecting and
// keeps it on disk, answers `outpost status` on its admin socket, and reloads its configuration
// file and certificate on SIGHUP.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <optional>

#include "channel/configuration.hpp"
#include "channel/node_context.hpp"
#include "channel/session.hpp"
#include "core/config.hpp"
#include "core/event_log.hpp"
#include "net/admin_socket.hpp"

namespace outpost::agent {

namespace asio = boost::asio;

class AgentDaemon {
 public:
  explicit AgentDaemon(NodeConfig config);
  int run();  // until SIGTERM/SIGINT; returns the exit code

 private:
  void stop(const std::string& why);
  nlohmann::json status() const;

  NodeConfig initial_;
  EventLog log_;
  asio::io_context io_;
  std::optional<channel::NodeContext> node_;
  channel::ReceivedConfiguration received_;
  std::unique_ptr<net::AdminSocket> admin_;
  std::shared_ptr<channel::Session> session_;
  Endpoint parent_;  // the one dialled, while session_ is set
  bool stopping_ = false;
};

}  // namespace outpost::agent

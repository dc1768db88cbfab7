// `outpost agent`: the composition root of an agent. It loads its channel certificate and keeps
// a link to its parent (the first of [parents] servers; channel/parent_link.hpp): connect,
// heartbeat at the interval the parent names, reconnect with backoff, every failure logged with
// its event. It answers `outpost status` on its admin socket and reloads its configuration and
// certificate on SIGHUP. Failover to the other listed parents comes with the failover issue.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <optional>

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
  std::unique_ptr<net::AdminSocket> admin_;
  std::shared_ptr<channel::Session> session_;
  Endpoint parent_;  // the one dialled, while session_ is set
  bool stopping_ = false;
};

}  // namespace outpost::agent

// `outpost agent`: the composition root of an agent. It loads its channel certificate and keeps
// a link to its parent (the first of [parents] servers; channel/parent_link.hpp): connect,
// heartbeat every [heartbeat] interval_s, reconnect with backoff, every failure logged with its
// event. Failover to the other listed parents comes with the failover issue.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>

#include "channel/identity.hpp"
#include "channel/session.hpp"
#include "core/config.hpp"
#include "core/event_log.hpp"

namespace outpost::agent {

namespace asio = boost::asio;

class AgentDaemon {
 public:
  explicit AgentDaemon(NodeConfig config);
  int run();  // until SIGTERM/SIGINT; returns the exit code

 private:
  void stop(const std::string& why);

  NodeConfig config_;
  EventLog log_;
  asio::io_context io_;
  std::optional<channel::NodeTls> tls_;
  std::shared_ptr<channel::Session> session_;
  bool stopping_ = false;
};

}  // namespace outpost::agent

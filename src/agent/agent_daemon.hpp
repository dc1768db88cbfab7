// `outpost agent`: the composition root of an agent. It loads its channel certificate, connects
// to its parent (the first of [parents] servers), sends a heartbeat every [heartbeat]
// interval_s, and reconnects with jittered exponential backoff when the connection is lost or
// refused, logging each failure with its event (21005, 21006, 20070, 20071, 20072).
// Failover to the other listed parents comes with the failover issue.
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
  asio::awaitable<void> connect_loop();
  asio::awaitable<void> heartbeat_loop(std::shared_ptr<channel::Session> session);
  void stop(const std::string& why);

  NodeConfig config_;
  EventLog log_;
  asio::io_context io_;
  std::optional<channel::NodeTls> tls_;
  std::shared_ptr<channel::Session> session_;
  bool stopping_ = false;
};

}  // namespace outpost::agent

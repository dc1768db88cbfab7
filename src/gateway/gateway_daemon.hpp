// `outpost gateway`: the composition root of a gateway. It keeps one upstream session to its
// management server (reconnecting with jittered backoff), accepts agents on its own port,
// authenticates their certificates itself and asks the management server whether each is
// admitted (AdmissionQuery over the upstream session), relays their heartbeats upstream with
// their origin, and sends its own. Failover between servers comes with the failover issue.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <set>

#include "channel/identity.hpp"
#include "channel/session.hpp"
#include "core/config.hpp"
#include "core/event_log.hpp"

namespace outpost::gateway {

namespace asio = boost::asio;

class GatewayDaemon {
 public:
  explicit GatewayDaemon(NodeConfig config);
  int run();  // until SIGTERM/SIGINT; returns the exit code

 private:
  struct PendingQuery {
    asio::steady_timer* answered;
    std::optional<wire::AdmissionAnswer> answer;
  };

  asio::awaitable<void> serve(net::TlsStream stream);
  asio::awaitable<channel::Admission> ask_server(channel::PeerIdentity agent);
  void on_upstream_message(const std::shared_ptr<channel::Session>& session,
                           wire::Envelope envelope);
  void on_agent_message(const std::shared_ptr<channel::Session>& session, wire::Envelope envelope);
  void stop(const std::string& why);

  NodeConfig config_;
  EventLog log_;
  asio::io_context io_;
  std::optional<channel::NodeTls> tls_;
  std::optional<net::tcp::acceptor> acceptor_;
  std::shared_ptr<channel::Session> upstream_;
  std::set<std::shared_ptr<channel::Session>> agents_;
  std::map<std::uint64_t, PendingQuery*> queries_;
  std::uint64_t next_query_ = 1;
  bool stopping_ = false;
};

}  // namespace outpost::gateway

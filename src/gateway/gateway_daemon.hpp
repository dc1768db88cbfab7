// `outpost gateway`: the composition root of a gateway. It keeps one upstream session to its
// management server, accepts agents on its own port, authenticates their certificates itself
// and asks the management server whether each is admitted (AdmissionQuery over the upstream
// session), relays their heartbeats upstream with their origin, and sends its own.
//
// The upstream session is dialled by the gateway (reconnecting with jittered backoff), or, with
// [parents] server_initiates = true, accepted from a management server listed in [parents]
// (a DMZ gateway approved with --server-initiates never dials inward). Either way the session
// is the same afterwards. A dialled upstream fails over between the management servers listed
// (or pushed by the configuration service) and fails back to the primary. Configuration updates
// for the gateway are applied without reconnecting; those for its agents are relayed down. It
// answers `outpost status` on its admin socket and reloads its configuration and certificate on
// SIGHUP.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "channel/configuration.hpp"
#include "channel/listener.hpp"
#include "channel/node_context.hpp"
#include "channel/session.hpp"
#include "core/config.hpp"
#include "core/event_log.hpp"
#include "net/admin_socket.hpp"

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
    std::optional<wire::AgentChallenge> challenge;  // the server's, to relay before the Welcome
  };
  struct LivenessChallenge {  // relayed to an agent's session, its answer not back yet
    std::string nonce;
    bool want_chain = false;
  };

  Result<void> prepare();
  asio::awaitable<void> serve(net::TlsStream stream);
  asio::awaitable<channel::Admission> admit(channel::PeerIdentity peer, channel::Prover prove);
  // agent_admission.cpp: the end-to-end authentication of agents, relayed.
  asio::awaitable<channel::Admission> ask_server(channel::PeerIdentity agent,
                                                 channel::Prover prove);
  void on_agent_challenge(const wire::AgentChallenge& challenge);
  void on_challenge_response(const std::shared_ptr<channel::Session>& agent,
                             const wire::ChallengeResponse& response);
  channel::Admission admit_server(const channel::PeerIdentity& server) const;
  void upstream_up(const std::shared_ptr<channel::Session>& session, const Endpoint& parent);
  void upstream_lost();
  void on_upstream_message(const std::shared_ptr<channel::Session>& session,
                           wire::Envelope envelope);
  void relay_config_update(const std::shared_ptr<channel::Session>& upstream,
                           wire::Envelope& envelope);
  void on_agent_message(const std::shared_ptr<channel::Session>& session, wire::Envelope envelope);
  asio::awaitable<void> room_upstream();
  void stop(const std::string& why);
  nlohmann::json status() const;

  NodeConfig initial_;
  EventLog log_;
  channel::Listener listener_{log_};  // budget, deadline and refusal log of the port
  asio::io_context io_;
  std::optional<channel::NodeContext> node_;
  channel::ReceivedConfiguration received_;
  std::unique_ptr<net::AdminSocket> admin_;
  std::optional<net::tcp::acceptor> acceptor_;
  std::optional<Endpoint> listening_;
  std::shared_ptr<channel::Session> upstream_;
  Endpoint upstream_endpoint_;
  std::set<std::shared_ptr<channel::Session>> agents_;
  std::map<std::uint64_t, PendingQuery*> queries_;
  std::map<std::shared_ptr<channel::Session>, LivenessChallenge> liveness_;
  std::uint64_t next_query_ = 1;
  std::shared_ptr<channel::BufferBudget> buffers_;  // [limits] daemon_max_buffered_mb
  std::optional<TimePoint> held_back_since_;        // agents held back (room_upstream)
  std::size_t held_back_peak_ = 0;
  bool stopping_ = false;
};

}  // namespace outpost::gateway

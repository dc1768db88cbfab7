#include "gateway/gateway_daemon.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

#include "channel/parent_link.hpp"
#include "channel/refusal_log.hpp"
#include "net/connect.hpp"

namespace outpost::gateway {
namespace {

using namespace std::chrono_literals;

constexpr auto kAdmissionTimeout = 15s;

channel::Admission refuse(wire::RejectCode code, std::string reason) {
  return channel::Admission{false, code, EventId::device_not_in_group, std::move(reason)};
}

}  // namespace

GatewayDaemon::GatewayDaemon(NodeConfig config)
    : config_(std::move(config)), log_(config_.state_dir, "gateway", Echo::stderr_stream) {}

int GatewayDaemon::run() {
  if (config_.parents.empty() || !config_.listen) {
    (void)log_.write(EventId::config_invalid,
                     config_.file.string() +
                         ": a gateway needs [parents] servers = [\"...\"] and a [listen] section");
    return 1;
  }
  auto tls = channel::load_node_tls(config_, log_);
  if (!tls) return 1;
  tls_.emplace(std::move(*tls));
  auto acceptor = net::listen_on(io_.get_executor(), *config_.listen);
  if (!acceptor) {
    (void)log_.write(EventId::config_invalid, acceptor.error().describe());
    return 1;
  }
  acceptor_.emplace(std::move(*acceptor));
  const auto local = acceptor_->local_endpoint();
  (void)log_.write(EventId::daemon_started,
                   fmt::format("Gateway {} of management group {} listens on {}:{} and reports "
                               "to {}.",
                               config_.fqdn, config_.management_group, local.address().to_string(),
                               local.port(), config_.parents.front().text()),
                   {{"port", local.port()}});
  channel::ParentLink link{
      tls_->connecting.get(),
      config_,
      channel::LocalNode{config_.fqdn, config_.management_group, wire::ROLE_GATEWAY, ""},
      &log_,
      [this] { return stopping_; },
      [this](const auto& s, wire::Envelope e) { on_upstream_message(s, std::move(e)); },
      [this](const std::shared_ptr<channel::Session>& s) { upstream_ = s; },
      [this] {
        upstream_.reset();
        for (auto& [id, query] : queries_)
          query->answered->cancel();  // answered: no
      }};
  asio::co_spawn(io_, channel::keep_parent_link(std::move(link)), asio::detached);
  asio::co_spawn(io_,
                 net::accept_loop(
                     *acceptor_, *tls_->accepting, net::Timeouts{},
                     [this](net::TlsStream stream) { return serve(std::move(stream)); },
                     channel::log_refusals(log_)),
                 asio::detached);
  asio::signal_set signals(io_, SIGINT, SIGTERM);
  signals.async_wait([this](const boost::system::error_code& ec, int signal) {
    if (!ec) stop(fmt::format("signal {}", signal));
  });
  io_.run();
  (void)log_.write(EventId::daemon_stopped, fmt::format("Gateway {} stopped.", config_.fqdn));
  return 0;
}

void GatewayDaemon::stop(const std::string& why) {
  stopping_ = true;
  boost::system::error_code ignored;
  if (acceptor_) acceptor_->close(ignored);
  auto agents = agents_;
  for (const auto& a : agents)
    a->close("the gateway is stopping (" + why + ")");
  if (upstream_) upstream_->close("the gateway is stopping (" + why + ")");
  io_.stop();
}

asio::awaitable<channel::Admission> GatewayDaemon::ask_server(channel::PeerIdentity agent) {
  if (agent.role != wire::ROLE_AGENT) {
    co_return refuse(wire::REJECT_PROTOCOL_ERROR,
                     fmt::format("a {} cannot connect to a gateway (only agents can)",
                                 channel::role_name(agent.role)));
  }
  if (!upstream_ || !upstream_->is_open()) {
    co_return refuse(wire::REJECT_UNSPECIFIED,
                     fmt::format("gateway {} has no connection to a management server now; the "
                                 "agent will retry",
                                 config_.fqdn));
  }
  const std::uint64_t id = next_query_++;
  wire::Envelope query;
  auto* q = query.mutable_admission_query();
  q->set_query_id(id);
  q->set_agent_fqdn(agent.fqdn);
  q->set_certificate_sha256(agent.certificate_sha256);
  q->set_certificate_not_after_unix(std::chrono::duration_cast<std::chrono::seconds>(
                                        agent.certificate_not_after.time_since_epoch())
                                        .count());
  asio::steady_timer answered(io_, kAdmissionTimeout);
  PendingQuery pending{&answered, std::nullopt};
  queries_[id] = &pending;
  upstream_->send(std::move(query));
  boost::system::error_code ignored;
  co_await answered.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  queries_.erase(id);
  if (!pending.answer) {
    co_return refuse(wire::REJECT_UNSPECIFIED,
                     fmt::format("the management server did not answer gateway {} about {} in "
                                 "time; the agent will retry",
                                 config_.fqdn, agent.fqdn));
  }
  if (pending.answer->admitted()) {
    co_return channel::Admission{true, wire::REJECT_UNSPECIFIED, EventId::none, ""};
  }
  co_return refuse(pending.answer->code(), pending.answer->reason());
}

void GatewayDaemon::on_upstream_message(const std::shared_ptr<channel::Session>& session,
                                        wire::Envelope envelope) {
  if (envelope.has_admission_answer()) {
    const auto it = queries_.find(envelope.admission_answer().query_id());
    if (it != queries_.end()) {
      it->second->answer = envelope.admission_answer();
      it->second->answered->cancel();
    }
    return;
  }
  session->close("the management server sent a message this gateway does not handle yet");
}

asio::awaitable<void> GatewayDaemon::serve(net::TlsStream stream) {
  const channel::LocalNode me{config_.fqdn,
                              config_.management_group,
                              wire::ROLE_GATEWAY,
                              "",
                              wire::kDefaultFrameLimit,
                              static_cast<std::uint32_t>(config_.heartbeat_interval_s)};
  channel::AdmissionCheck check = [this](channel::PeerIdentity peer) {
    return ask_server(std::move(peer));
  };
  const channel::HelloTimeouts hello_timeouts;
  auto peer = co_await channel::accept_hello(std::move(stream), me, check, hello_timeouts);
  if (!peer) {
    (void)log_.write(peer.error().event, peer.error().describe());
    co_return;
  }
  const channel::PeerIdentity identity = peer->identity();
  auto session = channel::Session::start(
      std::move(*peer), channel::SessionSettings{},
      [this](const auto& s, wire::Envelope e) { on_agent_message(s, std::move(e)); },
      [this](const auto& s, const std::string& why) {
        agents_.erase(s);
        (void)log_.write(EventId::peer_disconnected,
                         fmt::format("The connection of agent {} closed: {}", s->peer().fqdn, why),
                         {{"peer", s->peer().fqdn}});
      });
  agents_.insert(session);
  (void)log_.write(EventId::peer_admitted,
                   fmt::format("Admitted agent {} from {} (the management server agreed).",
                               identity.fqdn, session->remote_address()),
                   {{"peer", identity.fqdn}});
}

void GatewayDaemon::on_agent_message(const std::shared_ptr<channel::Session>& session,
                                     wire::Envelope envelope) {
  if (envelope.has_heartbeat()) {
    if (envelope.heartbeat().origin() != session->peer().fqdn) {
      session->close(fmt::format("{} sent a heartbeat for {}", session->peer().fqdn,
                                 envelope.heartbeat().origin()));
      return;
    }
    // Relayed with its origin; while the server is unreachable heartbeats are dropped (they
    // carry no data: the server marks the agent unreachable through this gateway instead).
    if (upstream_ && upstream_->is_open()) upstream_->send(std::move(envelope));
    return;
  }
  session->close(
      fmt::format("{} sent a message this gateway does not relay yet", session->peer().fqdn));
}

}  // namespace outpost::gateway

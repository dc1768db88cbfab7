#include "server/management_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <iostream>

#include <fmt/format.h>

#include "channel/refusal_log.hpp"
#include "net/connect.hpp"

namespace outpost::server {
namespace {

storage::AgentPolicy policy_of(AgentAdmission admission) {
  switch (admission) {
    case AgentAdmission::automatic:
      return storage::AgentPolicy::automatic;
    case AgentAdmission::review:
      return storage::AgentPolicy::review;
    case AgentAdmission::reject:
      return storage::AgentPolicy::reject;
  }
  return storage::AgentPolicy::reject;
}

channel::Admission refuse(wire::RejectCode code, std::string reason) {
  return channel::Admission{false, code, EventId::device_not_in_group, std::move(reason)};
}

// The database failed: logged here with its details (30030); the peer is told to try later.
channel::Admission database_failure(EventLog& log, const Error& error) {
  (void)log.write(EventId::database_error, error.describe());
  return channel::Admission{false, wire::REJECT_UNSPECIFIED, EventId::database_error,
                            "the management server cannot decide now (database error); the "
                            "connection will be retried"};
}

}  // namespace

ManagementServer::ManagementServer(NodeConfig config)
    : config_(std::move(config)), log_(config_.state_dir, "server", Echo::stderr_stream) {}

Result<void> ManagementServer::prepare() {
  if (!config_.listen) {
    return fail(config_.file.string() + ": a management server needs a [listen] section",
                "add [listen] address = \"...\" and port = 5723", EventId::config_invalid);
  }
  if (!config_.database_url) {
    return fail(config_.file.string() + ": a management server needs [database] url",
                "add [database] url = \"sqlite:///var/lib/outpost/ms1/operations.db\"",
                EventId::config_invalid);
  }
  auto tls = channel::load_node_tls(config_, log_);
  if (!tls) return std::unexpected(tls.error());
  tls_.emplace(std::move(*tls));
  auto storage = storage::open_storage(*config_.database_url);
  if (!storage) {
    Error error = storage.error();
    error.event = EventId::database_error;
    return std::unexpected(error);
  }
  storage_ = std::move(*storage);
  const pki::Certificate& own = tls_->certificate.entry.certificate;
  if (auto ok = storage_->register_management_server(config_.fqdn, own.sha256_hex(),
                                                     own.not_after(), Clock::now());
      !ok) {
    return std::unexpected(ok.error());
  }
  auto acceptor = net::listen_on(io_.get_executor(), *config_.listen);
  if (!acceptor) return std::unexpected(acceptor.error());
  acceptor_.emplace(std::move(*acceptor));
  return {};
}

int ManagementServer::run() {
  if (auto ready = prepare(); !ready) {
    (void)log_.write(
        ready.error().event == EventId::none ? EventId::config_invalid : ready.error().event,
        "The management server cannot start: " + ready.error().describe());
    return 1;
  }
  const auto local = acceptor_->local_endpoint();
  (void)log_.write(
      EventId::daemon_started,
      fmt::format("Management server {} of management group {} listens on {}:{}.", config_.fqdn,
                  config_.management_group, local.address().to_string(), local.port()),
      {{"port", local.port()}});
  asio::co_spawn(io_,
                 net::accept_loop(
                     *acceptor_, *tls_->accepting, net::Timeouts{},
                     [this](net::TlsStream stream) { return serve(std::move(stream)); },
                     channel::log_refusals(log_)),
                 asio::detached);
  asio::co_spawn(io_, own_heartbeat_loop(), asio::detached);
  asio::signal_set signals(io_, SIGINT, SIGTERM);
  signals.async_wait([this](const boost::system::error_code& ec, int signal) {
    if (!ec) stop(fmt::format("signal {}", signal));
  });
  io_.run();
  (void)log_.write(EventId::daemon_stopped,
                   fmt::format("Management server {} stopped.", config_.fqdn));
  return 0;
}

void ManagementServer::stop(const std::string& why) {
  boost::system::error_code ignored;
  if (acceptor_) acceptor_->close(ignored);
  auto sessions = sessions_;
  for (const auto& session : sessions)
    session->close("the management server is stopping (" + why + ")");
  io_.stop();
}

// The server's own row in the inventory shows it alive, at the group's heartbeat interval.
asio::awaitable<void> ManagementServer::own_heartbeat_loop() {
  const pki::Certificate& own = tls_->certificate.entry.certificate;
  for (;;) {
    asio::steady_timer wait(io_, std::chrono::seconds(config_.heartbeat_interval_s));
    boost::system::error_code ec;
    co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    auto ok = storage_->register_management_server(config_.fqdn, own.sha256_hex(), own.not_after(),
                                                   Clock::now());
    if (!ok) (void)log_.write(EventId::database_error, ok.error().describe());
  }
}

channel::Admission ManagementServer::admit(const channel::PeerIdentity& peer) {
  switch (peer.role) {
    case wire::ROLE_GATEWAY: {
      auto known = storage_->computer(peer.fqdn);
      if (!known) return database_failure(log_, known.error());
      if (*known && (*known)->role == storage::Role::gateway &&
          (*known)->approval == storage::Approval::approved) {
        return channel::Admission{true, wire::REJECT_UNSPECIFIED, EventId::none, ""};
      }
      return refuse(wire::REJECT_NOT_APPROVED,
                    fmt::format("gateway {} is not approved in management group {}: run outpost "
                                "gateway approve --config SERVER.toml --gateway {}",
                                peer.fqdn, config_.management_group, peer.fqdn));
    }
    case wire::ROLE_AGENT: {
      // A name registered for a gateway or a management server is never admitted as an agent.
      auto known = storage_->computer(peer.fqdn);
      if (!known) return database_failure(log_, known.error());
      if (*known && (*known)->role != storage::Role::agent) {
        return refuse(
            wire::REJECT_REJECTED,
            fmt::format("{} is registered as a {} in management group {}, not as an "
                        "agent",
                        peer.fqdn, storage::role_name((*known)->role), config_.management_group));
      }
      auto approval =
          storage_->agent_seen(peer.fqdn, policy_of(config_.agent_admission), Clock::now());
      if (!approval) return database_failure(log_, approval.error());
      switch (*approval) {
        case storage::Approval::approved:
          return channel::Admission{true, wire::REJECT_UNSPECIFIED, EventId::none, ""};
        case storage::Approval::pending:
          return refuse(wire::REJECT_PENDING_APPROVAL,
                        fmt::format("agent {} is pending approval: run outpost agent approve {} "
                                    "--config SERVER.toml",
                                    peer.fqdn, peer.fqdn));
        case storage::Approval::rejected:
          return refuse(wire::REJECT_REJECTED,
                        fmt::format("agent {} is rejected by management group {} (admission "
                                    "policy '{}', or an operator)",
                                    peer.fqdn, config_.management_group,
                                    admission_name(config_.agent_admission)));
      }
      break;
    }
    default:
      break;
  }
  return refuse(
      wire::REJECT_PROTOCOL_ERROR,
      fmt::format("a {} cannot connect to a management server", channel::role_name(peer.role)));
}

asio::awaitable<void> ManagementServer::serve(net::TlsStream stream) {
  const channel::LocalNode me{config_.fqdn,
                              config_.management_group,
                              wire::ROLE_MANAGEMENT_SERVER,
                              "",
                              wire::kDefaultFrameLimit,
                              static_cast<std::uint32_t>(config_.heartbeat_interval_s)};
  channel::AdmissionCheck check =
      [this](channel::PeerIdentity peer) -> asio::awaitable<channel::Admission> {
    co_return admit(peer);
  };
  auto peer = co_await channel::accept_hello(std::move(stream), me, check, {});
  if (!peer) {
    (void)log_.write(peer.error().event, peer.error().describe());
    co_return;
  }
  const channel::PeerIdentity identity = peer->identity();
  channel::SessionSettings settings;
  auto session = channel::Session::start(
      std::move(*peer), settings,
      [this](const auto& s, wire::Envelope e) { on_message(s, std::move(e)); },
      [this](const auto& s, const std::string& why) {
        sessions_.erase(s);
        (void)log_.write(EventId::peer_disconnected,
                         fmt::format("The connection of {} {} closed: {}",
                                     channel::role_name(s->peer().role), s->peer().fqdn, why),
                         {{"peer", s->peer().fqdn}});
      });
  sessions_.insert(session);
  (void)log_.write(EventId::peer_admitted,
                   fmt::format("Admitted {} {} from {}.", channel::role_name(identity.role),
                               identity.fqdn, session->remote_address()),
                   {{"peer", identity.fqdn}, {"role", channel::role_name(identity.role)}});
}

void ManagementServer::on_message(const std::shared_ptr<channel::Session>& session,
                                  wire::Envelope envelope) {
  const auto& peer = session->peer();
  if (envelope.has_heartbeat()) {
    const std::string& origin = envelope.heartbeat().origin();
    const bool relayed = origin != peer.fqdn;
    if (relayed && peer.role != wire::ROLE_GATEWAY) {
      session->close(fmt::format("{} sent a heartbeat for {}, which only a gateway may relay",
                                 peer.fqdn, origin));
      return;
    }
    // Approval is checked on every heartbeat, so a reject or a removal ends a live connection.
    auto known = storage_->computer(origin);
    if (!known) {
      (void)log_.write(EventId::database_error, known.error().describe());
      return;
    }
    if (!*known || (*known)->approval != storage::Approval::approved ||
        (relayed && (*known)->role != storage::Role::agent)) {
      const std::string reason = fmt::format("{} is no longer approved in management group {}",
                                             origin, config_.management_group);
      (void)log_.write(EventId::device_not_in_group, reason);
      if (relayed) return;  // the gateway's own connection stays; the agent's ends at the gateway
      wire::Envelope reject;
      reject.mutable_reject()->set_code(wire::REJECT_REJECTED);
      reject.mutable_reject()->set_reason(reason);
      reject.mutable_reject()->set_event_id(number(EventId::device_not_in_group));
      session->send(std::move(reject));
      session->close_after_flush("no longer approved");
      return;
    }
    // A relayed heartbeat does not carry the agent's certificate (its admission query did).
    auto recorded =
        relayed ? storage_->record_heartbeat(origin, peer.fqdn, Clock::now(), "", {})
                : storage_->record_heartbeat(origin, config_.fqdn, Clock::now(),
                                             peer.certificate_sha256, peer.certificate_not_after);
    if (!recorded) (void)log_.write(EventId::database_error, recorded.error().describe());
    return;
  }
  if (envelope.has_admission_query() && peer.role == wire::ROLE_GATEWAY) {
    answer_admission(session, envelope.admission_query());
    return;
  }
  session->close(fmt::format("{} sent a message this server does not handle yet", peer.fqdn));
}

// A gateway asks about an agent it authenticated: the same decision as for a direct agent.
void ManagementServer::answer_admission(const std::shared_ptr<channel::Session>& gateway,
                                        const wire::AdmissionQuery& query) {
  const TimePoint not_after{std::chrono::seconds(query.certificate_not_after_unix())};
  channel::PeerIdentity agent{query.agent_fqdn(),         wire::ROLE_AGENT,
                              config_.management_group,   "",
                              query.certificate_sha256(), not_after};
  const channel::Admission decision = admit(agent);
  wire::Envelope answer;
  auto* a = answer.mutable_admission_answer();
  a->set_query_id(query.query_id());
  a->set_admitted(decision.admitted);
  a->set_code(decision.code);
  a->set_reason(decision.reason);
  if (decision.admitted) {
    auto recorded = storage_->record_heartbeat(agent.fqdn, gateway->peer().fqdn, Clock::now(),
                                               agent.certificate_sha256, not_after);
    if (!recorded) (void)log_.write(EventId::database_error, recorded.error().describe());
    (void)log_.write(
        EventId::peer_admitted,
        fmt::format("Admitted agent {} through gateway {}.", agent.fqdn, gateway->peer().fqdn),
        {{"peer", agent.fqdn}, {"through", gateway->peer().fqdn}});
  } else {
    (void)log_.write(decision.event,
                     fmt::format("refused agent {} through gateway {}: {}", agent.fqdn,
                                 gateway->peer().fqdn, decision.reason));
  }
  gateway->send(std::move(answer));
}

}  // namespace outpost::server

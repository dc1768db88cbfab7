#include "gateway/gateway_daemon.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

#include "channel/close_on_failure.hpp"
#include "channel/goodbye.hpp"
#include "channel/logged_failure.hpp"
#include "channel/parent_link.hpp"
#include "channel/refusal_log.hpp"
#include "channel/refusal_report.hpp"
#include "channel/status.hpp"
#include "core/names.hpp"
#include "gateway/admission_answers.hpp"
#include "net/connect.hpp"
#include "net/signals.hpp"

namespace outpost::gateway {

GatewayDaemon::GatewayDaemon(NodeConfig config)
    : initial_(std::move(config)),
      log_(initial_.state_dir, "gateway", Echo::stderr_stream),
      received_(initial_.state_dir),
      buffers_(std::make_shared<channel::BufferBudget>(
          static_cast<std::size_t>(initial_.daemon_max_buffered_mb) << 20)) {
  log_.rotate_at(LogRotation{initial_.log_max_file_mb, initial_.log_keep_files});
}

Result<void> GatewayDaemon::prepare() {
  if (initial_.parents.empty() || !initial_.listen) {
    return fail(initial_.file.string() +
                    ": a gateway needs [parents] servers = [\"...\"] and a [listen] section",
                "", EventId::config_invalid);
  }
  auto node = channel::NodeContext::load(initial_, log_);
  if (!node) return std::unexpected(node.error());
  node_.emplace(std::move(*node));
  received_.load(initial_.management_group, log_);
  auto admin =
      net::AdminSocket::open(io_.get_executor(), net::admin_socket_path(node_->config().state_dir));
  if (!admin) return std::unexpected(admin.error());
  admin_ = std::move(*admin);
  auto acceptor = net::listen_on(io_.get_executor(), *initial_.listen);
  if (!acceptor) return std::unexpected(acceptor.error());
  acceptor_.emplace(std::move(*acceptor));
  const auto local = acceptor_->local_endpoint();
  listening_ = Endpoint{local.address().to_string(), local.port()};
  return {};
}

int GatewayDaemon::run() {
  if (auto ready = prepare(); !ready) {
    if (ready.error().event != EventId::cert_not_found &&
        ready.error().event != EventId::cert_no_private_key) {
      (void)log_.write(EventId::config_invalid,
                       "The gateway cannot start: " + ready.error().describe());
    }
    return 1;
  }
  const NodeConfig& config = node_->config();
  (void)log_.write(EventId::daemon_started,
                   fmt::format("Gateway {} of management group {} listens on {} and {} {}.",
                               config.fqdn, config.management_group, listening_->text(),
                               config.server_initiates ? "waits to be dialled by" : "reports to",
                               received_.parents(config).front().text()),
                   {{"port", listening_->port}});
  admin_->start([this](const nlohmann::json& request) {
    if (request.value("command", "") != "status") {
      return net::admin_error(Error{EventId::none, "a gateway answers only status", ""});
    }
    return net::admin_ok(status());
  });
  if (!config.server_initiates) {
    channel::ParentLink link{
        [this]() -> asio::ssl::context& { return node_->connecting(); },
        &node_->config(),
        [this] { return received_.parents(node_->config()); },
        channel::LocalNode{config.fqdn, config.management_group, wire::ROLE_GATEWAY, ""},
        [this] { return received_.cookie(); },
        &log_,
        false,
        [this] { return stopping_; },
        [this](const auto& s, wire::Envelope e) { on_upstream_message(s, std::move(e)); },
        [this](const auto& s, const Endpoint& parent) { upstream_up(s, parent); },
        [this] { upstream_lost(); },
        buffers_,
        [this] { return received_.pushed_heartbeat_interval_s(); }};
    asio::co_spawn(io_, channel::keep_parent_link(std::move(link)), asio::detached);
  }
  listener_.start(
      *acceptor_, [this]() -> asio::ssl::context& { return node_->accepting(); }, node_->config(),
      [this](net::TlsStream stream) { return serve(std::move(stream)); });
  // The refused connections go to the management server, which shows them (outpost refusals).
  asio::co_spawn(io_,
                 channel::send_refusal_reports(
                     listener_.refusals(), [this] { return upstream_; }, config.fqdn,
                     std::chrono::seconds(channel::kRefusalReportInterval)),
                 channel::log_failure(log_, EventId::daemon_stopped,
                                      "The gateway stopped reporting refused connections to its "
                                      "management server (restart the service)"));
  net::SignalWatch signals(
      io_, [this](int signal) { stop(fmt::format("signal {}", signal)); },
      [this] { node_->reload(log_); });
  io_.run();
  (void)log_.write(EventId::daemon_stopped, fmt::format("Gateway {} stopped.", config.fqdn));
  return 0;
}

void GatewayDaemon::stop(const std::string& why) {
  stopping_ = true;
  boost::system::error_code ignored;
  if (acceptor_) acceptor_->close(ignored);
  if (admin_) admin_->close();
  auto agents = agents_;
  for (const auto& a : agents)
    a->close("the gateway is stopping (" + why + ")");
  // The management server shows this gateway stopped, and its agents unreachable, at once.
  channel::stop_after_goodbye(io_, upstream_, node_->config().fqdn,
                              "the gateway is stopping (" + why + ")");
}

nlohmann::json GatewayDaemon::status() const {
  nlohmann::json out =
      channel::node_status(node_->config(), "gateway", node_->certificate(), listening_);
  out["listener"] = listener_.status();
  out["buffers"] = channel::buffer_status(*buffers_);
  out["buffers"]["agents_held_back"] = held_back_since_.has_value();
  out["server_initiates"] = node_->config().server_initiates;
  if (upstream_ && upstream_->is_open()) {
    const auto parents = received_.parents(node_->config());
    const bool primary = same_host_name(upstream_->peer().fqdn, parents.front().host) ||
                         upstream_endpoint_ == parents.front();
    out["parent"] = channel::parent_status(*upstream_, upstream_endpoint_, primary);
  }
  for (const auto& agent : agents_)
    out["children"].push_back(channel::session_status(*agent));
  out["configuration"] = received_.status();
  return out;
}

void GatewayDaemon::upstream_up(const std::shared_ptr<channel::Session>& session,
                                const Endpoint& parent) {
  upstream_ = session;
  upstream_endpoint_ = parent;
  listener_.refusals().mark_all_changed();  // the new server (or a restarted one) gets them all
}

void GatewayDaemon::upstream_lost() {
  upstream_.reset();
  for (auto& [id, query] : queries_)
    query->answered->cancel();  // answered: no
}

asio::awaitable<channel::Admission> GatewayDaemon::admit(channel::PeerIdentity peer,
                                                         channel::Prover prove) {
  if (peer.role == wire::ROLE_MANAGEMENT_SERVER) co_return admit_server(peer);
  co_return co_await ask_server(std::move(peer), std::move(prove));
}

// A management server dialling in: only when this gateway waits for it, and only one of its
// [parents].
channel::Admission GatewayDaemon::admit_server(const channel::PeerIdentity& server) const {
  const NodeConfig& config = node_->config();
  if (!config.server_initiates) {
    return refuse(wire::REJECT_PROTOCOL_ERROR,
                  fmt::format("gateway {} dials its management servers itself; approve it "
                              "without --server-initiates, or set [parents] server_initiates = "
                              "true on the gateway",
                              config.fqdn));
  }
  for (const auto& parent : config.parents) {
    if (same_host_name(parent.host, server.fqdn)) return admitted();
  }
  return refuse(wire::REJECT_NOT_APPROVED,
                fmt::format("management server {} is not in gateway {}'s [parents] servers",
                            server.fqdn, config.fqdn));
}

void GatewayDaemon::on_upstream_message(const std::shared_ptr<channel::Session>& session,
                                        wire::Envelope envelope) {
  if (envelope.has_config_update()) {
    relay_config_update(session, envelope);
    return;
  }
  if (envelope.has_ack()) {  // down to the agent whose data it acknowledges: to each of its
    for (const auto& agent : agents_) {  // sessions (a restarted agent's old one may linger)
      if (agent->peer().fqdn == envelope.ack().origin()) agent->send(envelope);
    }
    return;
  }
  if (envelope.has_agent_challenge()) {
    on_agent_challenge(envelope.agent_challenge());
    return;
  }
  if (!envelope.has_admission_answer()) {
    session->close("the management server sent a message this gateway does not handle yet");
    return;
  }
  const wire::AdmissionAnswer& answer = envelope.admission_answer();
  if (answer.query_id() != 0) {
    const auto it = queries_.find(answer.query_id());
    if (it != queries_.end()) {
      it->second->answer = answer;
      it->second->answered->cancel();
    }
    return;
  }
  // Unasked: the server withdrew an agent's admission; its connection ends here.
  const auto agents = agents_;
  for (const auto& agent : agents) {
    if (agent->peer().fqdn != answer.agent_fqdn() || answer.admitted()) continue;
    (void)log_.write(EventId::device_not_in_group,
                     fmt::format("The management server withdrew the admission of agent {}: {}",
                                 agent->peer().fqdn, answer.reason()),
                     {{"peer", agent->peer().fqdn}});
    wire::Envelope reject;
    reject.mutable_reject()->set_code(answer.code());
    reject.mutable_reject()->set_reason(answer.reason());
    reject.mutable_reject()->set_event_id(number(EventId::device_not_in_group));
    agent->send(std::move(reject));
    agent->close_after_flush("no longer admitted");
  }
}

// The gateway's own configuration is applied here; an agent's is passed down to its session
// (dropped when the agent is not connected here: it gets it at its next heartbeat elsewhere).
void GatewayDaemon::relay_config_update(const std::shared_ptr<channel::Session>& upstream,
                                        wire::Envelope& envelope) {
  const std::string target = envelope.config_update().target();
  if (target == node_->config().fqdn) {
    received_.on_update(envelope.config_update(), node_->config(), *upstream, upstream_endpoint_,
                        log_);
    return;
  }
  for (const auto& agent : agents_) {
    if (agent->peer().fqdn == target) {
      agent->send(std::move(envelope));
      return;
    }
  }
}

asio::awaitable<void> GatewayDaemon::serve(net::TlsStream stream) {
  const NodeConfig& config = node_->config();
  const channel::LocalNode me{config.fqdn, config.management_group, wire::ROLE_GATEWAY, "",
                              wire::kDefaultFrameLimit,
                              // the group's, from the configuration service (else its own)
                              static_cast<std::uint32_t>(received_.heartbeat_interval_s(config))};
  channel::AdmissionCheck check = [this](channel::PeerIdentity peer, channel::Prover prove) {
    return admit(std::move(peer), std::move(prove));
  };
  const std::string remote = net::remote_text(stream.next_layer());
  channel::HelloTimeouts hello_timeouts;  // within the listener's deadline from accept
  hello_timeouts.hello = std::chrono::seconds(config.handshake_timeout_s);
  auto peer = co_await channel::accept_hello(std::move(stream), me, check, hello_timeouts);
  if (!peer) {
    listener_.hello_refused(remote, peer.error());
    co_return;
  }
  if (stopping_) co_return;  // admitted while stopping: dropped (the upstream says goodbye)
  const channel::PeerIdentity identity = peer->identity();
  if (identity.role == wire::ROLE_MANAGEMENT_SERVER) {
    auto session = channel::Session::start(
        std::move(*peer), channel::session_settings(config, buffers_),
        [this](const auto& s, wire::Envelope e) { on_upstream_message(s, std::move(e)); },
        [this](const auto& s, const channel::Closure& why) {
          if (s == upstream_) upstream_lost();
          (void)log_.write(why.event,
                           fmt::format("The connection of management server {} closed: {}",
                                       s->peer().fqdn, why.reason),
                           {{"peer", s->peer().fqdn}});
        });
    if (upstream_) upstream_->close("replaced by a new connection from " + identity.fqdn);
    upstream_up(session, Endpoint{identity.fqdn, kDefaultPort});
    (void)log_.write(EventId::peer_admitted,
                     fmt::format("Management server {} connected from {} (server-initiated).",
                                 identity.fqdn, session->remote_address()),
                     {{"parent", identity.fqdn}});
    asio::co_spawn(
        io_,
        channel::send_heartbeats(
            session, config.fqdn, [this] { return received_.cookie(); },
            [this] {
              return std::chrono::seconds(received_.heartbeat_interval_s(node_->config()));
            }),
        channel::close_on_failure(session, "heartbeat sender"));
    co_return;
  }
  channel::SessionSettings settings = channel::session_settings(config, buffers_);
  settings.before_read = [this] { return room_upstream(); };
  auto session = channel::Session::start(
      std::move(*peer), settings,
      [this](const auto& s, wire::Envelope e) { on_agent_message(s, std::move(e)); },
      [this](const auto& s, const channel::Closure& why) {
        agents_.erase(s);
        liveness_.erase(s);
        (void)log_.write(
            why.event,
            fmt::format("The connection of agent {} closed: {}", s->peer().fqdn, why.reason),
            {{"peer", s->peer().fqdn}});
      });
  agents_.insert(session);
  (void)log_.write(EventId::peer_admitted,
                   fmt::format("Admitted agent {} from {} (the management server agreed).",
                               identity.fqdn, session->remote_address()),
                   {{"peer", identity.fqdn}});
}

// Backpressure: an agent's next message is read only while less than a quarter of
// session_max_buffered_mb waits for the management server; held back, the agents wait until it
// falls below an eighth (30081 once when it starts, 30082 with how long when it ends). The TCP
// window then holds the agents back, and their data waits in their durable queues.
asio::awaitable<void> GatewayDaemon::room_upstream() {
  const std::size_t share = static_cast<std::size_t>(node_->config().session_max_buffered_mb) << 20;
  for (;;) {
    const auto upstream = upstream_;
    if (!upstream || !upstream->is_open() || upstream->queued_bytes() < share / 4) break;
    if (!held_back_since_) {
      held_back_since_ = Clock::now();
      held_back_peak_ = upstream->queued_bytes();
      (void)log_.write(
          EventId::relay_held_back,
          fmt::format("Gateway {} stops reading from its {} agents: {:.1f} MiB wait to be sent "
                      "to management server {}, which does not take them fast enough. The agents "
                      "keep their data queued meanwhile.",
                      node_->config().fqdn, agents_.size(),
                      static_cast<double>(upstream->queued_bytes()) / (1 << 20),
                      upstream->peer().fqdn),
          {{"parent", upstream->peer().fqdn}});
    }
    held_back_peak_ = std::max(held_back_peak_, upstream->queued_bytes());
    co_await upstream->wait_below(share / 8);
  }
  if (held_back_since_) {
    const auto held = std::chrono::duration<double>(Clock::now() - *held_back_since_).count();
    held_back_since_.reset();
    (void)log_.write(
        EventId::relay_resumed,
        fmt::format("Gateway {} reads from its agents again after {:.1f} s; at most "
                    "{:.1f} MiB waited for the management server.",
                    node_->config().fqdn, held, static_cast<double>(held_back_peak_) / (1 << 20)));
  }
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
  if (envelope.has_challenge_response()) {
    on_challenge_response(session, envelope.challenge_response());
    return;
  }
  if (envelope.has_goodbye()) {  // relayed, so the server shows the agent stopped at once
    if (envelope.goodbye().origin() != session->peer().fqdn) {
      session->close(
          fmt::format("{} said goodbye for {}", session->peer().fqdn, envelope.goodbye().origin()));
      return;
    }
    const std::string reason = channel::goodbye_reason(envelope.goodbye());
    if (upstream_ && upstream_->is_open()) upstream_->send(std::move(envelope));
    session->close("the agent stopped: " + reason);
    return;
  }
  if (envelope.has_data_batch()) {
    if (envelope.data_batch().origin() != session->peer().fqdn) {
      session->close(
          fmt::format("{} sent data for {}", session->peer().fqdn, envelope.data_batch().origin()));
      return;
    }
    // Relayed unchanged, in order (one upstream session). While the server is unreachable the
    // batch is dropped here: the agent keeps it queued and resends what is not acknowledged.
    if (upstream_ && upstream_->is_open()) upstream_->send(std::move(envelope));
    return;
  }
  session->close(
      fmt::format("{} sent a message this gateway does not relay", session->peer().fqdn));
}

}  // namespace outpost::gateway

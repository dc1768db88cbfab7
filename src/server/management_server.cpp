#include "server/management_server.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

#include "channel/goodbye.hpp"
#include "channel/refusal_log.hpp"
#include "channel/status.hpp"
#include "collect/collect.hpp"
#include "net/connect.hpp"
#include "net/signals.hpp"
#include "server/admin_commands.hpp"
#include "server/admission.hpp"
#include "server/configuration_service.hpp"

namespace outpost::server {
namespace {

wire::Envelope reject_envelope(wire::RejectCode code, const std::string& reason) {
  wire::Envelope reject;
  reject.mutable_reject()->set_code(code);
  reject.mutable_reject()->set_reason(reason);
  reject.mutable_reject()->set_event_id(number(EventId::device_not_in_group));
  return reject;
}

// Unasked AdmissionAnswer: the gateway ends the agent's connection with this reason.
wire::Envelope withdrawal(const std::string& agent, const std::string& reason) {
  wire::Envelope answer;
  auto* a = answer.mutable_admission_answer();
  a->set_query_id(0);
  a->set_agent_fqdn(agent);
  a->set_admitted(false);
  a->set_code(wire::REJECT_REJECTED);
  a->set_reason(reason);
  return answer;
}

// The sections of a management server's file that other libraries read: the [collect] rules it
// sends its agents and its [alerts] monitors.
Result<void> check_server_sections(const NodeConfig& config) {
  if (auto rules = collect::check_collect_rules(config); !rules) return rules;
  return alerts::check_alert_rules(config);
}

}  // namespace

ManagementServer::ManagementServer(NodeConfig config, ConsoleViews views)
    : initial_(std::move(config)),
      views_(std::move(views)),
      log_(initial_.state_dir, "server", Echo::stderr_stream),
      buffers_(std::make_shared<channel::BufferBudget>(
          static_cast<std::size_t>(initial_.daemon_max_buffered_mb) << 20)) {
  log_.rotate_at(LogRotation{initial_.log_max_file_mb, initial_.log_keep_files});
}

Result<void> ManagementServer::prepare() {
  if (!initial_.listen) {
    return fail(initial_.file.string() + ": a management server needs a [listen] section",
                "add [listen] address = \"...\" and port = 5723", EventId::config_invalid);
  }
  if (!initial_.database_url) {
    return fail(initial_.file.string() + ": a management server needs [database] url",
                "add [database] url = \"sqlite:///var/lib/outpost/ms1/operations.db\"",
                EventId::config_invalid);
  }
  // The [collect] rules this server sends its agents and its [alerts] monitors must be valid
  // before any agent gets them.
  if (auto sections = check_server_sections(initial_); !sections) {
    return std::unexpected(sections.error());
  }
  // Every check before anything is created: the listen address binds, the certificate loads,
  // no other daemon runs here; only then is the database opened (created on a first start).
  auto acceptor = net::listen_on(io_.get_executor(), *initial_.listen);
  if (!acceptor) return std::unexpected(acceptor.error());
  acceptor_.emplace(std::move(*acceptor));
  const auto local = acceptor_->local_endpoint();
  listening_ = Endpoint{local.address().to_string(), local.port()};
  auto node = channel::NodeContext::load(initial_, log_);
  if (!node) return std::unexpected(node.error());
  node_.emplace(std::move(*node));
  auto admin =
      net::AdminSocket::open(io_.get_executor(), net::admin_socket_path(initial_.state_dir));
  if (!admin) return std::unexpected(admin.error());
  admin_ = std::move(*admin);
  const storage::FileTightened tightened = [this](const std::string& file, unsigned mode) {
    (void)log_.write(
        EventId::file_mode_tightened,
        fmt::format("The database file {} had mode {:04o}; it is now 0600.", file, mode),
        {{"file", file}});
  };
  auto storage = storage::open_storage(*initial_.database_url, tightened);
  if (!storage) {
    Error error = storage.error();
    error.event = EventId::database_error;
    return std::unexpected(error);
  }
  storage_ = std::move(*storage);
  auto writer = storage::open_storage(*initial_.database_url);  // the ingest thread's own
  if (!writer) return std::unexpected(writer.error());
  ingest_.emplace(io_.get_executor(), std::move(*writer), log_);
  auto outbox = storage::open_storage(*initial_.database_url);  // the notifier thread's own
  if (!outbox) return std::unexpected(outbox.error());
  auto monitors = storage::open_storage(*initial_.database_url);  // the evaluator thread's own
  if (!monitors) return std::unexpected(monitors.error());
  auto rules = alerts::parse_alert_rules(initial_);
  if (!rules) return std::unexpected(rules.error());
  rules_text_ = initial_.alerts_toml;
  rules_ = std::move(*rules);
  const alerts::Report report = [this](EventId event, std::string text, nlohmann::json fields) {
    asio::post(io_, [this, event, text = std::move(text), fields = std::move(fields)] {
      (void)log_.write(event, text, fields);
    });
  };
  alerts_ = std::make_unique<alerts::Evaluator>(std::move(*monitors), initial_.fqdn, report);
  notifier_ = std::make_unique<alerts::Notifier>(
      std::move(*outbox), alerts::Sender{initial_.fqdn, initial_.management_group, initial_.hosts},
      rules_.subscriptions, report);
  return {};
}

int ManagementServer::run() {
  if (auto ready = prepare(); !ready) {
    (void)log_.write(
        ready.error().event == EventId::none ? EventId::config_invalid : ready.error().event,
        "The management server cannot start: " + ready.error().describe());
    return 1;
  }
  const NodeConfig& config = node_->config();
  (void)log_.write(EventId::daemon_started,
                   fmt::format("Management server {} of management group {} listens on {}.",
                               config.fqdn, config.management_group, listening_->text()),
                   {{"port", listening_->port}});
  start_services();
  if (auto web = start_web(); !web) {  // the server goes on without its console
    (void)log_.write(EventId::web_unavailable,
                     "The console and the REST API are not available: " + web.error().describe());
  }
  net::SignalWatch signals(
      io_, [this](int signal) { stop(fmt::format("signal {}", signal)); },
      [this] {
        if (node_->reload(log_, check_server_sections)) {
          web_config_reloaded();
          housekeeping(Clock::now());
        }
      });
  io_.run();
  (void)log_.write(EventId::daemon_stopped,
                   fmt::format("Management server {} stopped.", config.fqdn));
  return 0;
}

void ManagementServer::start_services() {
  listener_.start(
      *acceptor_, [this]() -> asio::ssl::context& { return node_->accepting(); }, node_->config(),
      [this](net::TlsStream stream) { return serve(std::move(stream)); });
  admin_->start([this](const nlohmann::json& request) { return on_admin(request); });
  dialer_.emplace(
      io_, *node_, log_,
      DialerHooks{[this](const auto& s, wire::Envelope e) { on_message(s, std::move(e)); },
                  [this](const auto& s) {
                    // A gateway this server dials is held to its key binding like one that
                    // connects (decide_admission).
                    const auto key = check_gateway_key(*storage_, log_, s->peer());
                    if (!key.admitted) {
                      (void)log_.write(key.event, key.reason, {{"gateway", s->peer().fqdn}});
                      s->close(key.reason);
                      return;
                    }
                    admitted(s);
                  },
                  [this](const std::string& gateway) {
                    relayed_.drop_gateway(gateway);
                    std::erase_if(sessions_, [](const auto& s) { return !s->is_open(); });
                  }},
      buffers_);
  asio::co_spawn(io_, housekeeping_loop(), asio::detached);
}

void ManagementServer::stop(const std::string& why) {
  boost::system::error_code ignored;
  if (acceptor_) acceptor_->close(ignored);
  if (admin_) admin_->close();
  if (web_) web_->stop();
  if (dialer_) dialer_->stop_all();
  if (ingest_) ingest_->stop();      // commits what arrived; its acks are not sent any more
  if (alerts_) alerts_->stop();      // after the round in progress
  if (notifier_) notifier_->stop();  // after the attempt in progress (bounded by its timeout)
  auto sessions = sessions_;
  for (const auto& session : sessions)
    session->close("the management server is stopping (" + why + ")");
  io_.stop();
}

nlohmann::json ManagementServer::on_admin(const nlohmann::json& request) {
  const std::string command = request.value("command", "");
  if (command == "status") return net::admin_ok(status());
  nlohmann::json answer = run_admin_command(*storage_, node_->config(), request, &log_);
  if (!answer.value("ok", false)) return answer;
  const std::string fqdn = request.value("fqdn", "");
  if (answer["result"].is_object() &&
      answer["result"].value("event", 0) == number(EventId::role_changed)) {
    withdraw(fqdn, fmt::format("{} is now a gateway of management group {} (an operator changed "
                               "its role)",
                               fqdn, node_->config().management_group));
  } else if (command == "gateway.remove") {
    withdraw(fqdn, fmt::format("gateway {} was removed from management group {}", fqdn,
                               node_->config().management_group));
  } else if (command == "agent.reject") {
    withdraw(fqdn, fmt::format("agent {} was rejected by an operator of management group {}", fqdn,
                               node_->config().management_group));
  }
  if (command == "gateway.set-failover" || command == "agent.set-parent") push_configuration(fqdn);
  if (command.starts_with("gateway.")) housekeeping(Clock::now());  // dial or stop dialling
  return answer;
}

// Sends a node its new configuration now: on its own connection, or through the gateways (the
// one it is behind relays it). A node not connected gets it with its next heartbeat.
void ManagementServer::push_configuration(const std::string& fqdn) {
  auto composed = compose_configuration(*storage_, node_->config(), fqdn);
  if (!composed) {
    (void)log_.write(EventId::database_error, composed.error().describe());
    return;
  }
  for (const auto& s : sessions_) {
    if (s->peer().fqdn == fqdn || s->peer().role == wire::ROLE_GATEWAY) {
      s->send(config_update(*composed));
    }
  }
}

// Ends the connection of a computer whose admission was withdrawn: directly connected, with a
// Reject; behind a gateway, by telling the gateway.
void ManagementServer::withdraw(const std::string& fqdn, const std::string& reason) {
  (void)log_.write(EventId::device_not_in_group, reason, {{"computer", fqdn}});
  relayed_.forget(fqdn);
  const auto sessions = sessions_;
  for (const auto& s : sessions) {
    if (s->peer().fqdn == fqdn) {
      s->send(reject_envelope(wire::REJECT_REJECTED, reason));
      s->close_after_flush("admission withdrawn");
    } else if (s->peer().role == wire::ROLE_GATEWAY) {
      s->send(withdrawal(fqdn, reason));
    }
  }
}

nlohmann::json ManagementServer::status() const {
  nlohmann::json out =
      channel::node_status(node_->config(), "management_server", node_->certificate(), listening_);
  out["listener"] = listener_.status();
  if (web_) out["web"] = web_->status();
  out["buffers"] = channel::buffer_status(*buffers_);
  for (const auto& s : sessions_)
    out["children"].push_back(channel::session_status(*s));
  return out;
}

asio::awaitable<void> ManagementServer::serve(net::TlsStream stream) {
  const NodeConfig& config = node_->config();
  const channel::LocalNode me{config.fqdn,
                              config.management_group,
                              wire::ROLE_MANAGEMENT_SERVER,
                              "",
                              wire::kDefaultFrameLimit,
                              static_cast<std::uint32_t>(config.heartbeat_interval_s)};
  channel::AdmissionCheck check = [this](channel::PeerIdentity peer,
                                         channel::Prover) -> asio::awaitable<channel::Admission> {
    co_return decide_admission(*storage_, node_->config(), log_, peer);
  };
  const std::string remote = net::remote_text(stream.next_layer());
  channel::HelloTimeouts hello_timeouts;  // within the listener's deadline from accept
  hello_timeouts.hello = std::chrono::seconds(config.handshake_timeout_s);
  auto peer = co_await channel::accept_hello(std::move(stream), me, check, hello_timeouts);
  if (!peer) {
    listener_.hello_refused(remote, peer.error());
    co_return;
  }
  auto session = channel::Session::start(
      std::move(*peer), channel::session_settings(config, buffers_),
      [this](const auto& s, wire::Envelope e) { on_message(s, std::move(e)); },
      [this](const auto& s, const channel::Closure& why) {
        sessions_.erase(s);
        if (s->peer().role == wire::ROLE_GATEWAY) relayed_.drop_gateway(s->peer().fqdn);
        (void)log_.write(
            why.event,
            fmt::format("The connection of {} {} closed: {}", channel::role_name(s->peer().role),
                        s->peer().fqdn, why.reason),
            {{"peer", s->peer().fqdn}});
      });
  admitted(session);
}

void ManagementServer::admitted(const std::shared_ptr<channel::Session>& session) {
  sessions_.insert(session);
  const auto& peer = session->peer();
  (void)log_.write(EventId::peer_admitted,
                   fmt::format("Admitted {} {} from {}.", channel::role_name(peer.role), peer.fqdn,
                               session->remote_address()),
                   {{"peer", peer.fqdn}, {"role", channel::role_name(peer.role)}});
}

void ManagementServer::on_message(const std::shared_ptr<channel::Session>& session,
                                  wire::Envelope envelope) {
  if (envelope.has_heartbeat()) {
    on_heartbeat(session, envelope.heartbeat());
    return;
  }
  if (envelope.has_data_batch()) {
    on_data(session, std::move(*envelope.mutable_data_batch()));
    return;
  }
  if (envelope.has_admission_query() && session->peer().role == wire::ROLE_GATEWAY) {
    answer_admission(session, envelope.admission_query());
    return;
  }
  if (envelope.has_agent_proof() && session->peer().role == wire::ROLE_GATEWAY) {
    on_agent_proof(session, envelope.agent_proof());
    return;
  }
  if (envelope.has_goodbye()) {
    on_goodbye(session, envelope.goodbye());
    return;
  }
  if (envelope.has_refusal_report() && session->peer().role == wire::ROLE_GATEWAY) {
    on_refusal_report(session, envelope.refusal_report());
    return;
  }
  session->close(
      fmt::format("{} sent a message this server does not handle yet", session->peer().fqdn));
}

// A batch from an agent (or relayed by a gateway) goes to the ingest thread; the Ack comes back
// on this session after the commit.
void ManagementServer::on_data(const std::shared_ptr<channel::Session>& session,
                               wire::DataBatch batch) {
  const auto& peer = session->peer();
  const bool relayed = batch.origin() != peer.fqdn;
  if (relayed && peer.role != wire::ROLE_GATEWAY) {
    session->close(fmt::format("{} sent data for {}, which only a gateway may relay", peer.fqdn,
                               batch.origin()));
    return;
  }
  if (relayed && !relay_allowed(session, batch.origin())) return;  // not acknowledged: resent
  for (int i = 0; i < batch.items_size(); ++i) {
    if (batch.items(i).seq() != batch.first_seq() + static_cast<std::uint64_t>(i)) {
      session->close(fmt::format("a data batch of {} is not numbered consecutively from {}",
                                 batch.origin(), batch.first_seq()));
      return;
    }
  }
  ingest_->submit(session, std::move(batch));
}

// A gateway or agent stopping on purpose (for an agent behind a gateway, relayed by the gateway
// that holds its proof): not connected any more, so the next health pass shows it stopped and a
// gateway's agents unreachable, without waiting for the heartbeat timeout.
void ManagementServer::on_goodbye(const std::shared_ptr<channel::Session>& session,
                                  const wire::Goodbye& goodbye) {
  const auto& peer = session->peer();
  const std::string& origin = goodbye.origin();
  const bool relayed = origin != peer.fqdn;
  if (relayed && (peer.role != wire::ROLE_GATEWAY ||
                  relayed_.standing(peer.fqdn, origin, Clock::now(), proof_fresh_for()) !=
                      RelayedAgents::Standing::proven)) {
    return;  // only the gateway the agent is proven through speaks for it
  }
  const std::string reason = channel::goodbye_reason(goodbye);
  // A node that restarted at once may already be back on a new session: it is not stopped.
  const bool back = !relayed && std::ranges::any_of(sessions_, [&](const auto& s) {
    return s != session && s->is_open() && s->peer().fqdn == origin;
  });
  if (!back) {
    auto recorded = storage_->record_goodbye(origin, relayed ? peer.fqdn : node_->config().fqdn);
    if (!recorded) (void)log_.write(EventId::database_error, recorded.error().describe());
  }
  if (relayed) {
    relayed_.forget(origin);  // no liveness challenges for an agent that is gone
    (void)log_.write(
        EventId::peer_disconnected,
        fmt::format("Agent {} stopped (relayed by gateway {}): {}", origin, peer.fqdn, reason),
        {{"peer", origin}});
    return;
  }
  session->close(fmt::format("it stopped: {}", reason));
}

void ManagementServer::on_heartbeat(const std::shared_ptr<channel::Session>& session,
                                    const wire::Heartbeat& beat) {
  const auto& peer = session->peer();
  const std::string& origin = beat.origin();
  const bool relayed = origin != peer.fqdn;
  if (relayed && peer.role != wire::ROLE_GATEWAY) {
    session->close(fmt::format("{} sent a heartbeat for {}, which only a gateway may relay",
                               peer.fqdn, origin));
    return;
  }
  if (relayed && !relay_allowed(session, origin)) return;
  // Approval is checked on every heartbeat too, so a change made on another management server
  // (or directly in the database) also ends a live connection.
  auto known = storage_->computer(origin);
  if (!known) {
    (void)log_.write(EventId::database_error, known.error().describe());
    return;
  }
  if (!*known || (*known)->approval != storage::Approval::approved ||
      (relayed && (*known)->role != storage::Role::agent)) {
    const std::string reason = fmt::format("{} is no longer approved in management group {}",
                                           origin, node_->config().management_group);
    (void)log_.write(EventId::device_not_in_group, reason);
    if (relayed) {
      session->send(withdrawal(origin, reason));
    } else {
      session->send(reject_envelope(wire::REJECT_REJECTED, reason));
      session->close_after_flush("no longer approved");
    }
    return;
  }
  // A node whose cookie differs from what the configuration service composes gets the update.
  auto composed = compose_configuration(*storage_, node_->config(), origin);
  if (!composed) {
    (void)log_.write(EventId::database_error, composed.error().describe());
  } else if (composed->cookie != beat.config_cookie()) {
    session->send(config_update(*composed));
  }
  // A relayed heartbeat does not carry the agent's certificate (its admission query did).
  auto recorded =
      relayed ? storage_->record_heartbeat(origin, peer.fqdn, Clock::now(), "", {})
              : storage_->record_heartbeat(origin, node_->config().fqdn, Clock::now(),
                                           peer.certificate_sha256, peer.certificate_not_after);
  if (!recorded) (void)log_.write(EventId::database_error, recorded.error().describe());
}

}  // namespace outpost::server

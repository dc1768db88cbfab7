#include "agent/agent_daemon.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <random>

#include <fmt/format.h>

#include "net/connect.hpp"

namespace outpost::agent {
namespace {

using namespace std::chrono_literals;

// 1 s, 2 s, 4 s ... 60 s, each with up to 25 % random jitter so agents do not reconnect in step.
std::chrono::milliseconds backoff(int attempt, std::mt19937& rng) {
  const auto base = std::chrono::milliseconds(1000) * (1 << std::min(attempt, 6));
  const auto capped = std::min<std::chrono::milliseconds>(base, 60s);
  std::uniform_int_distribution<long> jitter(0, capped.count() / 4);
  return capped + std::chrono::milliseconds(jitter(rng));
}

}  // namespace

AgentDaemon::AgentDaemon(NodeConfig config)
    : config_(std::move(config)), log_(config_.state_dir, "agent", Echo::stderr_stream) {}

int AgentDaemon::run() {
  if (config_.parents.empty()) {
    (void)log_.write(EventId::config_invalid,
                     config_.file.string() + ": an agent needs [parents] servers = [\"...\"]");
    return 1;
  }
  auto tls = channel::load_node_tls(config_, log_);
  if (!tls) return 1;
  tls_.emplace(std::move(*tls));
  (void)log_.write(EventId::daemon_started,
                   fmt::format("Agent {} of management group {} reports to {}.", config_.fqdn,
                               config_.management_group, config_.parents.front().text()));
  asio::co_spawn(io_, connect_loop(), asio::detached);
  asio::signal_set signals(io_, SIGINT, SIGTERM);
  signals.async_wait([this](const boost::system::error_code& ec, int signal) {
    if (!ec) stop(fmt::format("signal {}", signal));
  });
  io_.run();
  (void)log_.write(EventId::daemon_stopped, fmt::format("Agent {} stopped.", config_.fqdn));
  return 0;
}

void AgentDaemon::stop(const std::string& why) {
  stopping_ = true;
  if (session_) session_->close("the agent is stopping (" + why + ")");
  io_.stop();
}

asio::awaitable<void> AgentDaemon::connect_loop() {
  std::mt19937 rng(std::random_device{}());
  const Endpoint parent = config_.parents.front();
  const net::HostsTable hosts(config_.hosts.begin(), config_.hosts.end());
  const channel::LocalNode me{config_.fqdn, config_.management_group, wire::ROLE_AGENT, ""};
  for (int attempt = 0; !stopping_;) {
    // No co_await inside a conditional expression: GCC 12 miscompiles it.
    auto stream = co_await net::dial(*tls_->connecting, parent, hosts, net::Timeouts{});
    Result<channel::AuthenticatedPeer> peer = std::unexpected(Error{});
    if (stream) {
      const channel::HelloTimeouts hello_timeouts;
      peer = co_await channel::send_hello(std::move(*stream), me, hello_timeouts, parent.host);
    } else {
      peer = std::unexpected(stream.error());
    }
    if (peer) {
      attempt = 0;
      const std::string parent_name = peer->identity().fqdn;
      channel::SessionSettings settings;
      asio::steady_timer closed(io_, std::chrono::steady_clock::time_point::max());
      std::string why;
      session_ = channel::Session::start(
          std::move(*peer), settings,
          [this](const std::shared_ptr<channel::Session>& s, wire::Envelope e) {
            if (!e.has_reject()) return;  // the parent sends nothing else to an agent yet
            const std::string reason =
                fmt::format("the parent refused this node ({}, parent event {}): {}",
                            wire::RejectCode_Name(e.reject().code()), e.reject().event_id(),
                            e.reject().reason());
            (void)log_.write(EventId::closed_after_auth, reason);
            s->close(reason);
          },
          [&closed, &why](const auto&, const std::string& reason) {
            why = reason;
            closed.cancel();
          });
      (void)log_.write(
          EventId::peer_admitted,
          fmt::format("Connected to {} ({}) and admitted.", parent_name, parent.text()),
          {{"parent", parent_name}});
      asio::co_spawn(io_, heartbeat_loop(session_), asio::detached);
      boost::system::error_code ignored;
      if (session_->is_open()) {
        co_await closed.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
      }
      session_.reset();
      if (stopping_) break;
      (void)log_.write(EventId::peer_disconnected,
                       fmt::format("The connection to {} closed: {}", parent_name, why));
    } else {
      (void)log_.write(peer.error().event, peer.error().describe(), {{"parent", parent.text()}});
      if (peer.error().event == EventId::parent_connect_failed ||
          peer.error().event == EventId::parent_name_unresolved) {
        (void)log_.write(EventId::no_parent_left,
                         fmt::format("No parent could be reached ({}) and no failover parent is "
                                     "configured; retrying.",
                                     parent.text()));
      }
    }
    asio::steady_timer pause(io_, backoff(attempt++, rng));
    boost::system::error_code ignored;
    co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
}

asio::awaitable<void> AgentDaemon::heartbeat_loop(std::shared_ptr<channel::Session> session) {
  while (session->is_open()) {
    wire::Envelope beat;
    auto* h = beat.mutable_heartbeat();
    h->set_origin(config_.fqdn);
    h->set_produced_unix_ms(
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
            .count());
    session->send(std::move(beat));
    asio::steady_timer wait(io_, std::chrono::seconds(config_.heartbeat_interval_s));
    boost::system::error_code ignored;
    co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
}

}  // namespace outpost::agent

#include "agent/agent_daemon.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>

#include <fmt/format.h>

#include "channel/parent_link.hpp"

namespace outpost::agent {

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
  channel::ParentLink link{
      tls_->connecting.get(),
      config_,
      channel::LocalNode{config_.fqdn, config_.management_group, wire::ROLE_AGENT, ""},
      &log_,
      [this] { return stopping_; },
      {},  // the parent sends an agent nothing but keepalives and Reject yet
      [this](const std::shared_ptr<channel::Session>& s) { session_ = s; },
      [this] { session_.reset(); }};
  asio::co_spawn(io_, channel::keep_parent_link(std::move(link)), asio::detached);
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

}  // namespace outpost::agent

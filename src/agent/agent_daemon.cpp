#include "agent/agent_daemon.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <fmt/format.h>

#include "channel/parent_link.hpp"
#include "channel/status.hpp"
#include "net/signals.hpp"

namespace outpost::agent {

AgentDaemon::AgentDaemon(NodeConfig config)
    : initial_(std::move(config)), log_(initial_.state_dir, "agent", Echo::stderr_stream) {}

int AgentDaemon::run() {
  if (initial_.parents.empty()) {
    (void)log_.write(EventId::config_invalid,
                     initial_.file.string() + ": an agent needs [parents] servers = [\"...\"]");
    return 1;
  }
  auto node = channel::NodeContext::load(initial_, log_);
  if (!node) return 1;
  node_.emplace(std::move(*node));
  auto admin =
      net::AdminSocket::open(io_.get_executor(), net::admin_socket_path(node_->config().state_dir));
  if (!admin) {
    (void)log_.write(EventId::config_invalid, admin.error().describe());
    return 1;
  }
  admin_ = std::move(*admin);
  admin_->start([this](const nlohmann::json& request) {
    if (request.value("command", "") != "status") {
      return net::admin_error(Error{EventId::none, "an agent answers only status", ""});
    }
    return net::admin_ok(status());
  });
  const NodeConfig& config = node_->config();
  (void)log_.write(EventId::daemon_started,
                   fmt::format("Agent {} of management group {} reports to {}.", config.fqdn,
                               config.management_group, config.parents.front().text()));
  channel::ParentLink link{
      [this]() -> asio::ssl::context& { return node_->connecting(); },
      &node_->config(),
      [this] { return node_->config().parents; },
      channel::LocalNode{config.fqdn, config.management_group, wire::ROLE_AGENT, ""},
      &log_,
      false,
      [this] { return stopping_; },
      {},  // the parent sends an agent nothing but keepalives and Reject yet
      [this](const std::shared_ptr<channel::Session>& s, const Endpoint& parent) {
        session_ = s;
        parent_ = parent;
      },
      [this] { session_.reset(); }};
  asio::co_spawn(io_, channel::keep_parent_link(std::move(link)), asio::detached);
  net::SignalWatch signals(
      io_, [this](int signal) { stop(fmt::format("signal {}", signal)); },
      [this] { node_->reload(log_); });
  io_.run();
  (void)log_.write(EventId::daemon_stopped, fmt::format("Agent {} stopped.", config.fqdn));
  return 0;
}

nlohmann::json AgentDaemon::status() const {
  nlohmann::json out =
      channel::node_status(node_->config(), "agent", node_->certificate(), std::nullopt);
  if (session_ && session_->is_open()) {
    out["parent"] =
        channel::parent_status(*session_, parent_, parent_ == node_->config().parents.front());
  }
  return out;
}

void AgentDaemon::stop(const std::string& why) {
  stopping_ = true;
  if (admin_) admin_->close();
  if (session_) session_->close("the agent is stopping (" + why + ")");
  io_.stop();
}

}  // namespace outpost::agent

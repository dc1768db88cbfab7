#include "agent/agent_daemon.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <fmt/format.h>

#include "channel/parent_link.hpp"
#include "channel/status.hpp"
#include "net/signals.hpp"

namespace outpost::agent {

AgentDaemon::AgentDaemon(NodeConfig config)
    : initial_(std::move(config)),
      log_(initial_.state_dir, "agent", Echo::stderr_stream),
      received_(initial_.state_dir) {}

int AgentDaemon::run() {
  if (initial_.parents.empty()) {
    (void)log_.write(EventId::config_invalid,
                     initial_.file.string() + ": an agent needs [parents] servers = [\"...\"]");
    return 1;
  }
  auto node = channel::NodeContext::load(initial_, log_);
  if (!node) return 1;
  node_.emplace(std::move(*node));
  received_.load(initial_.management_group, log_);
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
                               config.management_group, received_.parents(config).front().text()));
  channel::ParentLink link{
      [this]() -> asio::ssl::context& { return node_->connecting(); },
      &node_->config(),
      [this] { return received_.parents(node_->config()); },
      channel::LocalNode{config.fqdn, config.management_group, wire::ROLE_AGENT, ""},
      [this] { return received_.cookie(); },
      &log_,
      false,
      [this] { return stopping_; },
      [this](const std::shared_ptr<channel::Session>& s, wire::Envelope e) {
        if (e.has_config_update() && e.config_update().target() == node_->config().fqdn) {
          received_.on_update(e.config_update(), node_->config(), *s, parent_, log_);
          return;
        }
        s->close("the parent sent a message an agent does not handle");
      },
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
    out["parent"] = channel::parent_status(*session_, parent_,
                                           parent_ == received_.parents(node_->config()).front());
  }
  out["configuration"] = received_.status();
  return out;
}

void AgentDaemon::stop(const std::string& why) {
  stopping_ = true;
  if (admin_) admin_->close();
  if (session_) session_->close("the agent is stopping (" + why + ")");
  io_.stop();
}

}  // namespace outpost::agent

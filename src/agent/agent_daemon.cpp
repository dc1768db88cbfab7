#include "agent/agent_daemon.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include <fmt/format.h>

#include "channel/goodbye.hpp"
#include "channel/parent_link.hpp"
#include "channel/status.hpp"
#include "net/signals.hpp"

namespace outpost::agent {

AgentDaemon::AgentDaemon(NodeConfig config)
    : initial_(std::move(config)),
      log_(initial_.state_dir, "agent", Echo::stderr_stream),
      received_(initial_.state_dir) {
  log_.rotate_at(LogRotation{initial_.log_max_file_mb, initial_.log_keep_files});
}

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
  if (!open_data_path()) return 1;
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
        if (e.has_ack()) {
          sender_->on_ack(e.ack());
          return;
        }
        if (stopping_) return;  // collectors stay stopped while the Goodbye goes out
        if (e.has_config_update() && e.config_update().target() == node_->config().fqdn) {
          received_.on_update(e.config_update(), node_->config(), *s, parent_, log_);
          (void)apply_collect_rules();
          return;
        }
        s->close("the parent sent a message an agent does not handle");
      },
      [this](const std::shared_ptr<channel::Session>& s, const Endpoint& parent) {
        session_ = s;
        parent_ = parent;
        sender_->connected(s);
      },
      [this] {
        session_.reset();
        sender_->lost();
      },
      nullptr,  // one session: its own bounds suffice
      [this] { return received_.pushed_heartbeat_interval_s(); }};
  asio::co_spawn(io_, channel::keep_parent_link(std::move(link)), asio::detached);
  net::SignalWatch signals(
      io_, [this](int signal) { stop(fmt::format("signal {}", signal)); },
      [this] {
        if (stopping_) return;
        if (node_->reload(log_, collect::check_collect_rules)) (void)apply_collect_rules();
      });
  collectors_->start();
  expire_queue();
  io_.run();
  collectors_.reset();  // kills running checks before the queue closes
  (void)log_.write(EventId::daemon_stopped, fmt::format("Agent {} stopped.", config.fqdn));
  return 0;
}

// The queue in <state_dir>/queue, the sender and the collectors of the [collect] section.
bool AgentDaemon::open_data_path() {
  const NodeConfig& config = node_->config();
  queue::QueueLimits limits;
  limits.max_bytes = static_cast<std::uint64_t>(config.queue_max_mb) << 20;
  limits.max_age = std::chrono::hours(config.queue_max_age_h);
  auto queue = queue::DurableQueue::open(config.state_dir / "queue", limits, &log_);
  if (!queue) {
    (void)log_.write(queue.error().event, queue.error().describe());
    return false;
  }
  queue_ = std::move(*queue);
  sender_.emplace(io_.get_executor(), *queue_, config.fqdn, log_);
  return apply_collect_rules();
}

// (Re)starts the collectors with the rules in force: received from the configuration service,
// else the file's [collect]. Rules that do not parse are 30010; the running ones stay.
bool AgentDaemon::apply_collect_rules() {
  const std::string& text = received_.collect_toml(node_->config());
  if (collectors_ && text == collect_text_) return true;
  const bool received = received_.has_collect();
  auto rules = collect::parse_collect_config(
      text, received ? "the [collect] rules from the configuration service"
                     : node_->config().file.string());
  if (!rules && received && !collectors_) {  // at start: the file's own rules rather than none
    (void)log_.write(EventId::config_invalid,
                     rules.error().describe() + "; the agent runs its own [collect] meanwhile");
    rules =
        collect::parse_collect_config(node_->config().collect_toml, node_->config().file.string());
  }
  if (!rules) {
    (void)log_.write(EventId::config_invalid,
                     rules.error().describe() +
                         (collectors_ ? "; the collectors keep their previous rules" : ""));
    return collectors_ != nullptr;
  }
  rules->positions_file = node_->config().state_dir / "log-positions.json";
  const bool restart = collectors_ != nullptr;
  if (collectors_) collectors_->stop();
  collectors_ = std::make_unique<collect::Collectors>(
      io_.get_executor(), std::move(*rules),
      [this](collect::Collected item) { return collected(std::move(item)); }, &log_);
  collect_text_ = text;
  if (restart) collectors_->start();
  return true;
}

bool AgentDaemon::collected(collect::Collected item) {
  queue::ItemKind kind = queue::ItemKind::event;
  if (item.kind == collect::Kind::sample) kind = queue::ItemKind::sample;
  if (item.kind == collect::Kind::check) kind = queue::ItemKind::check;
  // A failed append (disk full: 30040) is logged by the queue, which keeps what it has.
  if (!queue_->append(kind, item.json, item.produced_unix_ms)) return false;
  schedule_pump();
  return true;
}

// Items collected in one turn of the event loop leave in one flush (fsync) and one batch.
void AgentDaemon::schedule_pump() {
  if (pump_scheduled_) return;
  pump_scheduled_ = true;
  asio::post(io_, [this] {
    pump_scheduled_ = false;
    sender_->pump();
  });
}

void AgentDaemon::expire_queue() {
  if (!expiry_) expiry_.emplace(io_);
  queue_->expire(Clock::now());
  expiry_->expires_after(std::chrono::minutes(1));
  expiry_->async_wait([this](const boost::system::error_code& ec) {
    if (!ec) expire_queue();
  });
}

nlohmann::json AgentDaemon::status() const {
  nlohmann::json out =
      channel::node_status(node_->config(), "agent", node_->certificate(), std::nullopt);
  if (session_ && session_->is_open()) {
    out["parent"] = channel::parent_status(*session_, parent_,
                                           parent_ == received_.parents(node_->config()).front());
  }
  out["configuration"] = received_.status();
  out["queue"] = sender_->status();
  return out;
}

void AgentDaemon::stop(const std::string& why) {
  stopping_ = true;
  if (admin_) admin_->close();
  if (collectors_) collectors_->stop();
  if (expiry_) expiry_->cancel();
  // The management group shows this agent stopped at once, not after the heartbeat timeout.
  channel::stop_after_goodbye(io_, session_, node_->config().fqdn,
                              "the agent is stopping (" + why + ")");
}

}  // namespace outpost::agent

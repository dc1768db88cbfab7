// `outpost agent`: the composition root of an agent. It loads its channel certificate and keeps
// a link to one of its parents (channel/parent_link.hpp): primary first, failover to the others
// and failback to the primary, heartbeats at the interval the parent names with the state
// cookie. It applies configuration from the configuration service without reconnecting and
// keeps it on disk, answers `outpost status` on its admin socket, and reloads its configuration
// file and certificate on SIGHUP. Its collectors (collect/) put every item in the durable queue
// (queue/, <state_dir>/queue) and the DataSender sends the queue to whichever parent is up.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>

#include "agent/data_sender.hpp"
#include "channel/configuration.hpp"
#include "channel/node_context.hpp"
#include "channel/session.hpp"
#include "collect/collect.hpp"
#include "core/config.hpp"
#include "core/event_log.hpp"
#include "net/admin_socket.hpp"
#include "queue/durable_queue.hpp"

namespace outpost::agent {

namespace asio = boost::asio;

class AgentDaemon {
 public:
  explicit AgentDaemon(NodeConfig config);
  int run();  // until SIGTERM/SIGINT; returns the exit code

 private:
  bool open_data_path();
  bool apply_collect_rules();
  bool collected(collect::Collected item);  // false: not queued (30040)
  void schedule_pump();
  void expire_queue();
  void stop(const std::string& why);
  nlohmann::json status() const;

  NodeConfig initial_;
  EventLog log_;
  asio::io_context io_;
  std::optional<channel::NodeContext> node_;
  channel::ReceivedConfiguration received_;
  std::unique_ptr<net::AdminSocket> admin_;
  std::unique_ptr<queue::DurableQueue> queue_;
  std::optional<DataSender> sender_;
  std::unique_ptr<collect::Collectors> collectors_;
  std::string collect_text_;  // the [collect] rules the collectors run
  std::optional<asio::steady_timer> expiry_;
  bool pump_scheduled_ = false;
  std::shared_ptr<channel::Session> session_;
  Endpoint parent_;  // the one dialled, while session_ is set
  bool stopping_ = false;
};

}  // namespace outpost::agent

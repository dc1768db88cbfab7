// Server-initiated gateways: for every gateway approved with --server-initiates, the management
// server keeps a connection that it dials itself to the approved address (channel/parent_link
// in the dialling-a-child mode: backoff, 21005/21006 on failures, no heartbeats upward). The
// gateway must answer with the approved FQDN. refresh() starts links for newly approved
// gateways and stops those whose approval was removed.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "channel/node_context.hpp"
#include "channel/session.hpp"
#include "core/event_log.hpp"
#include "storage/storage.hpp"

namespace outpost::server {

struct DialerHooks {
  channel::Session::MessageHandler on_message;
  std::function<void(const std::shared_ptr<channel::Session>&)> on_connected;
  std::function<void(const std::string& gateway)> on_lost;
};

class GatewayDialer {
 public:
  GatewayDialer(boost::asio::io_context& io, const channel::NodeContext& node, EventLog& log,
                DialerHooks hooks, std::shared_ptr<channel::BufferBudget> budget);
  ~GatewayDialer();
  GatewayDialer(const GatewayDialer&) = delete;
  GatewayDialer& operator=(const GatewayDialer&) = delete;

  void refresh(const std::vector<storage::Computer>& computers);
  void stop_all();

 private:
  struct Link {
    std::string address;
    std::shared_ptr<bool> stop;
    std::weak_ptr<channel::Session> session;
  };
  void start(const storage::Computer& gateway);

  boost::asio::io_context& io_;
  const channel::NodeContext& node_;
  EventLog& log_;
  DialerHooks hooks_;
  std::shared_ptr<channel::BufferBudget> budget_;  // the server's, for the dialled sessions too
  std::map<std::string, Link> links_;              // by gateway FQDN
};

}  // namespace outpost::server

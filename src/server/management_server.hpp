// `outpost server`: the composition root of a management server. It builds its parts from the
// configuration (channel certificate and TLS, the database, the listener), admits computers by
// what the database says, records their heartbeats, and stops cleanly on SIGTERM/SIGINT.
// Everything runs on one io_context thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <set>

#include "channel/identity.hpp"
#include "channel/session.hpp"
#include "core/config.hpp"
#include "core/event_log.hpp"
#include "storage/storage.hpp"

namespace outpost::server {

namespace asio = boost::asio;

class ManagementServer {
 public:
  explicit ManagementServer(NodeConfig config);
  // Runs until a stop signal; returns the process exit code.
  int run();

 private:
  Result<void> prepare();
  asio::awaitable<void> serve(net::TlsStream stream);
  channel::Admission admit(const channel::PeerIdentity& peer);
  void on_message(const std::shared_ptr<channel::Session>& session, wire::Envelope envelope);
  void answer_admission(const std::shared_ptr<channel::Session>& gateway,
                        const wire::AdmissionQuery& query);
  void stop(const std::string& why);
  asio::awaitable<void> own_heartbeat_loop();

  NodeConfig config_;
  EventLog log_;
  asio::io_context io_;
  std::unique_ptr<storage::Storage> storage_;
  std::optional<channel::NodeTls> tls_;
  std::optional<net::tcp::acceptor> acceptor_;
  std::set<std::shared_ptr<channel::Session>> sessions_;
};

}  // namespace outpost::server

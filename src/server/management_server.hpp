// `outpost server`: the composition root of a management server. It builds its parts from the
// configuration (channel certificate and TLS, the database, the listener, the admin socket, the
// dialer of server-initiated gateways), admits computers by what the database says, records
// their heartbeats, watches their health (20020-20023), serves the admin commands, reloads on
// SIGHUP and stops cleanly on SIGTERM/SIGINT. Everything runs on one io_context thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <set>

#include "channel/listener.hpp"
#include "channel/node_context.hpp"
#include "channel/session.hpp"
#include "core/config.hpp"
#include "core/event_log.hpp"
#include "net/admin_socket.hpp"
#include "server/gateway_dialer.hpp"
#include "server/health.hpp"
#include "server/ingest.hpp"
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
  void start_services();
  asio::awaitable<void> serve(net::TlsStream stream);
  void admitted(const std::shared_ptr<channel::Session>& session);
  void on_message(const std::shared_ptr<channel::Session>& session, wire::Envelope envelope);
  void on_data(const std::shared_ptr<channel::Session>& session, wire::DataBatch batch);
  void on_heartbeat(const std::shared_ptr<channel::Session>& session, const wire::Heartbeat& beat);
  void answer_admission(const std::shared_ptr<channel::Session>& gateway,
                        const wire::AdmissionQuery& query);
  nlohmann::json on_admin(const nlohmann::json& request);
  void withdraw(const std::string& fqdn, const std::string& reason);
  void push_configuration(const std::string& fqdn);
  void stop(const std::string& why);
  asio::awaitable<void> housekeeping_loop();
  void housekeeping(TimePoint now);
  void groom(TimePoint now);
  nlohmann::json status() const;

  NodeConfig initial_;
  EventLog log_;
  channel::Listener listener_{log_};  // budget, deadline and refusal log of the port
  asio::io_context io_;
  std::optional<channel::NodeContext> node_;
  std::unique_ptr<storage::Storage> storage_;
  std::unique_ptr<net::AdminSocket> admin_;
  std::optional<net::tcp::acceptor> acceptor_;
  std::optional<Endpoint> listening_;
  std::set<std::shared_ptr<channel::Session>> sessions_;
  std::optional<GatewayDialer> dialer_;
  std::optional<Ingest> ingest_;
  HealthWatch health_;
  TimePoint last_groom_{};
  TimePoint last_own_heartbeat_{};
};

}  // namespace outpost::server

// `outpost server`: the composition root of a management server. It builds its parts from the
// configuration (channel certificate and TLS, the database, the listener, the admin socket, the
// dialer of server-initiated gateways), admits computers by what the database says, records
// their heartbeats, watches their health (20020-20023), serves the admin commands, reloads on
// SIGHUP and stops cleanly on SIGTERM/SIGINT. Everything runs on one io_context thread but the
// ingest writer, the alert evaluator and the notifier, each on a thread with its own connection.
#pragma once

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "alerts/evaluator.hpp"
#include "alerts/notifier.hpp"
#include "channel/listener.hpp"
#include "channel/node_context.hpp"
#include "channel/refusal_report.hpp"
#include "channel/session.hpp"
#include "core/config.hpp"
#include "core/event_log.hpp"
#include "net/admin_socket.hpp"
#include "pki/certificate.hpp"
#include "server/gateway_dialer.hpp"
#include "server/health.hpp"
#include "server/ingest.hpp"
#include "server/relayed_agents.hpp"
#include "storage/storage.hpp"
#include "web/api.hpp"
#include "web/storage_pool.hpp"
#include "web/web_server.hpp"

namespace outpost::server {

namespace asio = boost::asio;

class ManagementServer {
 public:
  // What the console shows from the doctor, given by the command line, which links the doctor
  // (dependencies point down): the view of one computer (outpost doctor --computer, as JSON) and
  // one refused connection with its meaning and fix (as outpost refusals --json shows it).
  struct ConsoleViews {
    std::function<nlohmann::json(const std::filesystem::path& config, const std::string& fqdn)>
        computer;
    std::function<nlohmann::json(const RefusalRecord& record, const std::filesystem::path& config,
                                 const std::string& management_group)>
        refusal;
  };
  explicit ManagementServer(NodeConfig config, ConsoleViews views = {});
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
  // relayed_messages.cpp: agents behind gateways, verified end to end.
  void answer_admission(const std::shared_ptr<channel::Session>& gateway,
                        const wire::AdmissionQuery& query);
  void on_agent_proof(const std::shared_ptr<channel::Session>& gateway,
                      const wire::AgentProof& proof);
  void admit_proven(const std::shared_ptr<channel::Session>& gateway, const wire::AgentProof& proof,
                    const RelayedAgents::Challenge& challenge);
  void keep_proven(const std::shared_ptr<channel::Session>& gateway, const wire::AgentProof& proof,
                   RelayedAgents::Key key);
  bool challenge_agent(const std::shared_ptr<channel::Session>& gateway, const std::string& agent,
                       std::uint64_t query_id, RelayedAgents::Key key,
                       const pki::Certificate* verified = nullptr);
  void on_goodbye(const std::shared_ptr<channel::Session>& session, const wire::Goodbye& goodbye);
  // refusals.cpp: refused connections, this server's own and its gateways' reports.
  void on_refusal_report(const std::shared_ptr<channel::Session>& gateway,
                         const wire::RefusalReport& report);
  void store_own_refusals();
  bool relay_allowed(const std::shared_ptr<channel::Session>& gateway, const std::string& origin);
  void challenge_due(TimePoint now);
  void log_relay_refusal(EventId event, const std::string& gateway, const std::string& agent,
                         const std::string& message);
  [[nodiscard]] std::chrono::seconds proof_fresh_for() const;
  nlohmann::json on_admin(const nlohmann::json& request);
  void withdraw(const std::string& fqdn, const std::string& reason);
  void push_configuration(const std::string& fqdn);
  void stop(const std::string& why);
  asio::awaitable<void> housekeeping_loop();
  void housekeeping(TimePoint now);
  void groom(TimePoint now);
  void evaluate_monitors(const std::vector<storage::Computer>& computers,
                         const std::map<std::string, Health>& health, TimePoint now);
  nlohmann::json status() const;
  // web_console.cpp: the console and the REST API ([web]).
  Result<void> start_web();
  void web_config_reloaded();
  asio::awaitable<nlohmann::json> web_change(nlohmann::json request);

  NodeConfig initial_;
  ConsoleViews views_;
  EventLog log_;
  channel::Listener listener_{log_};       // budget, deadline and refusal log of the port
  channel::RefusalIntake refusal_intake_;  // how much of its gateways' refusal reports it takes
  asio::io_context io_;
  std::optional<channel::NodeContext> node_;
  std::unique_ptr<storage::Storage> storage_;
  std::unique_ptr<net::AdminSocket> admin_;
  std::optional<net::tcp::acceptor> acceptor_;
  std::optional<Endpoint> listening_;
  std::set<std::shared_ptr<channel::Session>> sessions_;
  std::shared_ptr<channel::BufferBudget> buffers_;  // [limits] daemon_max_buffered_mb
  std::optional<GatewayDialer> dialer_;
  std::optional<Ingest> ingest_;
  HealthWatch health_;
  std::unique_ptr<alerts::Evaluator> alerts_;   // evaluates the monitors, on its own thread
  std::unique_ptr<alerts::Notifier> notifier_;  // delivers the outbox, on its own thread
  std::string rules_text_;                      // the [alerts] section rules_ was parsed from
  alerts::AlertRules rules_;
  RelayedAgents relayed_;
  std::map<std::string, TimePoint> relay_refusals_logged_;  // "event gateway agent": last logged
  std::mutex web_config_mutex_;  // the configuration the API's queries read (reloads replace it)
  std::shared_ptr<const NodeConfig> web_config_;
  std::unique_ptr<web::StoragePool> web_pool_;
  std::unique_ptr<web::Api> api_;
  std::unique_ptr<web::WebServer> web_;  // last: stopped first, before what its threads use
  TimePoint last_groom_{};
  TimePoint last_own_heartbeat_{};
};

}  // namespace outpost::server

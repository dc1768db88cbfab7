// The REST API (docs/api.md) and the console's files behind one entry point: a Request in, a
// Response out. Routes are a table (api_routes.cpp); reads run on the web listener's own
// database connection, changes go to the management server through Backend::change; every
// change, done or refused, is written to the audit log.
#pragma once

#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "core/event_log.hpp"
#include "web/auth.hpp"
#include "web/backend.hpp"
#include "web/http.hpp"
#include "web/inventory_cache.hpp"
#include "web/params.hpp"
#include "web/storage_pool.hpp"

namespace outpost::web {

class Api {
 public:
  // Starts the thread that builds the inventory snapshot ahead of the reads while someone reads
  // (InventoryCache::refresh), off the listener's threads; the destructor stops it.
  Api(Backend backend, StoragePool& pool, SessionPolicy policy, EventLog& log);

  // Never throws: a failure inside is a 500 with its reason logged.
  [[nodiscard]] boost::asio::awaitable<Response> handle(Request request);

  // Every API route as "METHOD /api/v1/path/{param}" (the OpenAPI document lists the same).
  [[nodiscard]] static std::vector<std::string> routes();

  struct Call {
    const Request& request;
    const Principal& principal;
    std::vector<std::string> params;  // the path's {param} values, in order
    storage::Storage& db;
    nlohmann::json body;  // the parsed body of a POST/PUT (an object), else null
  };
  // A change for the server: the admin command to run and the status of its success.
  struct Forward {
    nlohmann::json command;
    int ok_status = 200;
  };
  using Outcome = std::variant<Response, Forward>;
  using Handler = Outcome (Api::*)(Call&);

  // api_reads.cpp
  Outcome overview(Call& call);
  Outcome computers(Call& call);
  Outcome computer(Call& call);
  Outcome performance(Call& call);
  Outcome doctor(Call& call);
  Outcome pending(Call& call);
  Outcome gateways(Call& call);
  Outcome alerts(Call& call);
  Outcome alert(Call& call);
  Outcome maintenance(Call& call);
  Outcome events(Call& call);
  Outcome servers(Call& call);
  Outcome refusals(Call& call);
  Outcome users(Call& call);
  Outcome audit(Call& call);
  // api_changes.cpp
  Outcome approve_agent(Call& call);
  Outcome reject_agent(Call& call);
  Outcome approve_gateway(Call& call);
  Outcome remove_gateway(Call& call);
  Outcome set_failover(Call& call);
  Outcome set_agent_parents(Call& call);
  Outcome ack_alert(Call& call);
  Outcome close_alert(Call& call);
  Outcome start_maintenance(Call& call);
  Outcome stop_maintenance(Call& call);
  Outcome add_user(Call& call);
  Outcome remove_user(Call& call);

 private:
  boost::asio::awaitable<Response> dispatch(const Request& request);
  Response session_call(const Request& request);
  Response password_call(const Request& request);
  void keep_inventory_fresh(const std::stop_token& stop);
  Result<nlohmann::json> query(storage::Storage& db, nlohmann::json command);
  void write_audit(storage::Storage& db, const Request& request, const std::string& who,
                   const std::string& action, const std::string& target, int status);

  Backend backend_;
  StoragePool& pool_;
  Authenticator auth_;
  EventLog& log_;
  InventoryCache inventory_;
  std::jthread refresher_;  // last: stopped and joined before the members it uses go
};

// How old the inventory a monitoring read answers from may be (docs/api.md).
inline constexpr std::chrono::milliseconds kInventoryMaxAge{5000};

}  // namespace outpost::web

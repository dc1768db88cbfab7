// A daemon's listening side in one object: the pre-authentication budget (net::AcceptBudget),
// the accept loop with one deadline from accept to admission, and the rate-limited refusal log.
// The daemon keeps one, starts it with its acceptor and session handler, reports a refused hello
// through it, and shows its counters in `outpost status` ("listener"). Every refusal is also
// aggregated in its RefusalTable, which the daemon reports (gateway) or stores (server).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "channel/refusal_log.hpp"
#include "core/config.hpp"
#include "net/accept_budget.hpp"
#include "net/connect.hpp"

namespace outpost::channel {

class Listener {
 public:
  explicit Listener(EventLog& log) : log_(log), refusals_(log, table_) {}

  // Accepts on `acceptor` with [limits] preauth_max_connections, preauth_max_per_source and
  // handshake_timeout_s of `config` (read once, here). `on_session` runs the hello and returns
  // once the peer is admitted or refused.
  void start(net::tcp::acceptor& acceptor, net::ContextSource context, const NodeConfig& config,
             net::SessionHandler on_session);

  // The handler's hello refusal, rate-limited per source address like the TLS refusals.
  void hello_refused(const std::string& remote, const HelloRefusal& refusal) {
    refusals_.hello_refused(remote, refusal);
  }

  // Every refusal of this port, aggregated (capacity: [limits] refusal_records, set by start).
  [[nodiscard]] RefusalTable& refusals() { return table_; }

  // {"in_progress", "accepted", "refused_over_total", "refused_over_per_source",
  //  "deadline_expired", "evicted_silent", "max_connections", "max_per_source",
  //  "handshake_timeout_s"}
  [[nodiscard]] nlohmann::json status() const;

 private:
  EventLog& log_;
  RefusalTable table_{1000};
  RefusalLog refusals_;
  std::optional<net::AcceptBudget> budget_;
  int handshake_timeout_s_ = 0;
};

}  // namespace outpost::channel

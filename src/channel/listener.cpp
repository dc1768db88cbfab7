#include "channel/listener.hpp"

#include <boost/asio/co_spawn.hpp>

#include "channel/logged_failure.hpp"

namespace outpost::channel {

void Listener::start(net::tcp::acceptor& acceptor, net::ContextSource context,
                     const NodeConfig& config, net::SessionHandler on_session) {
  budget_.emplace(net::BudgetLimits{config.preauth_max_connections, config.preauth_max_per_source});
  handshake_timeout_s_ = config.handshake_timeout_s;
  table_.set_capacity(static_cast<std::size_t>(config.refusal_records));
  refusals_.start(acceptor.get_executor());
  net::Timeouts timeouts;
  timeouts.handshake = std::chrono::seconds(config.handshake_timeout_s);
  boost::asio::co_spawn(acceptor.get_executor(),
                        net::accept_loop(acceptor, std::move(context), timeouts, *budget_,
                                         std::move(on_session), refusals_.handler()),
                        log_failure(log_, EventId::daemon_stopped,
                                    "The listener stopped accepting connections (restart the "
                                    "service)"));
}

nlohmann::json Listener::status() const {
  if (!budget_) return nullptr;
  const net::BudgetCounters c = budget_->counters();
  return {{"in_progress", c.in_progress},
          {"accepted", c.accepted},
          {"refused_over_total", c.refused_total},
          {"refused_over_per_source", c.refused_per_source},
          {"deadline_expired", c.deadline_expired},
          {"evicted_silent", c.evicted_silent},
          {"max_connections", budget_->limits().max_connections},
          {"max_per_source", budget_->limits().max_per_source},
          {"handshake_timeout_s", handshake_timeout_s_},
          {"refusal_records", table_.size()},
          {"refusal_records_dropped", table_.dropped()}};
}

}  // namespace outpost::channel

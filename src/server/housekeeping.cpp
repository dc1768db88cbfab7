// The management server's housekeeping tick (management_server.hpp): its own heartbeat, the
// health of every computer, its refused connections to the database, the alert evaluator's
// round, the gateways to dial, and grooming.
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

#include <fmt/format.h>

#include "server/management_server.hpp"

namespace outpost::server {

// Every tick: the server's own heartbeat (once per interval), the health of every computer
// (events on changes), and the server-initiated gateways to dial.
asio::awaitable<void> ManagementServer::housekeeping_loop() {
  for (;;) {
    housekeeping(Clock::now());
    const int tick = std::clamp(node_->config().heartbeat_interval_s / 2, 1, 5);
    asio::steady_timer wait(io_, std::chrono::seconds(tick));
    boost::system::error_code ec;
    co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
  }
}

void ManagementServer::housekeeping(TimePoint now) {
  const NodeConfig& config = node_->config();
  if (now - last_own_heartbeat_ >= std::chrono::seconds(config.heartbeat_interval_s)) {
    const pki::Certificate& own = node_->certificate().entry.certificate;
    auto ok =
        storage_->register_management_server(config.fqdn, own.sha256_hex(), own.not_after(), now);
    if (!ok) (void)log_.write(EventId::database_error, ok.error().describe());
    last_own_heartbeat_ = now;
  }
  auto computers = storage_->computers();
  if (!computers) {
    (void)log_.write(EventId::database_error, computers.error().describe());
    return;
  }
  challenge_due(now);
  store_own_refusals();
  const auto health = health_of_all(
      *computers, {config.heartbeat_interval_s, config.heartbeat_missed_allowed}, now);
  health_.observe(*computers, health, log_);
  evaluate_monitors(*computers, health, now);
  dialer_->refresh(*computers);
  if (now - last_groom_ >= std::chrono::hours(1)) groom(now);
}

// The approved and pending computers with their heartbeat health, to the alert evaluator (which
// runs once per [alerts] evaluation_interval_s, on the server holding the group's lease).
void ManagementServer::evaluate_monitors(const std::vector<storage::Computer>& computers,
                                         const std::map<std::string, Health>& health,
                                         TimePoint now) {
  if (node_->config().alerts_toml != rules_text_) {  // reloaded: checked by the reload already
    auto rules = alerts::parse_alert_rules(node_->config());
    if (!rules) return;
    rules_text_ = node_->config().alerts_toml;
    rules_ = std::move(*rules);
    notifier_->set_subscriptions(rules_.subscriptions);
  }
  std::vector<alerts::ComputerView> views;
  for (const auto& c : computers) {
    if (c.approval == storage::Approval::rejected) continue;
    views.push_back({c, health.at(c.fqdn) == Health::heartbeat_failure});
  }
  alerts_->tick(rules_, views, now);
}

// Retention: each data kind is deleted after its [retention] days, at most once an hour.
void ManagementServer::groom(TimePoint now) {
  last_groom_ = now;
  const NodeConfig& c = node_->config();
  std::string counts;
  for (auto [kind, days] : {std::pair{storage::ItemKind::event, c.retention_events_days},
                            std::pair{storage::ItemKind::sample, c.retention_samples_days},
                            std::pair{storage::ItemKind::check, c.retention_checks_days}}) {
    auto deleted = storage_->groom(kind, now - std::chrono::hours(24) * days);
    if (!deleted) {  // the other kinds are still groomed
      (void)log_.write(EventId::database_error, deleted.error().describe());
      continue;
    }
    if (*deleted > 0) {
      counts += fmt::format("{}{} {}s older than {} days", counts.empty() ? "" : ", ", *deleted,
                            storage::kind_name(kind), days);
    }
  }
  auto refusals =
      storage_->groom_refusals(now - std::chrono::hours(24) * c.retention_refusals_days);
  if (!refusals) {
    (void)log_.write(EventId::database_error, refusals.error().describe());
  } else if (*refusals > 0) {
    counts += fmt::format("{}{} refused-connection records not seen for {} days",
                          counts.empty() ? "" : ", ", *refusals, c.retention_refusals_days);
  }
  for (auto [deleted, what] :
       {std::pair{storage_->groom_audit(now - std::chrono::hours(24) * c.retention_audit_days),
                  "audit log entries"},
        std::pair{storage_->groom_sessions(now), "expired console sessions"}}) {
    if (!deleted) {
      (void)log_.write(EventId::database_error, deleted.error().describe());
    } else if (*deleted > 0) {
      counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", *deleted, what);
    }
  }
  if (!counts.empty()) (void)log_.write(EventId::data_groomed, "Groomed " + counts + ".");
}

}  // namespace outpost::server

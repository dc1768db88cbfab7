// Delivering one notification through its subscription's channel, blocking, bounded by the
// subscription's timeout: a command (posix_spawn, no shell, its own process group, the alert in
// OUTPOST_* environment variables, killed at the timeout), a webhook (libcurl: HTTPS only, the
// peer verified against the system's or the subscription's CA, a documented JSON body), or
// e-mail (libcurl: SMTP with STARTTLS required, or SMTPS). Names in the management server's
// [hosts] are resolved as it resolves them.
#pragma once

#include <atomic>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "alerts/rules.hpp"
#include "core/error.hpp"
#include "storage/alerts.hpp"

namespace outpost::alerts {

struct Sender {
  std::string server;  // this management server's FQDN
  std::string management_group;
  std::map<std::string, std::string> hosts;  // [hosts]: name -> address
};

// The webhook's body (docs/operations.md "Alerts"): {"notification": "opened", "subscription",
// "management_group", "sent_by", "alert": {...}}.
[[nodiscard]] nlohmann::json notification_json(const storage::Notification& n,
                                               const Sender& sender);

// Sends `n`; the failure says what went wrong (exit status, HTTP status, SMTP error). Setting
// `abort` (the server is stopping) ends the attempt early as a failure.
[[nodiscard]] Result<void> deliver(const Subscription& s, const storage::Notification& n,
                                   const Sender& sender, const std::atomic<bool>& abort);

}  // namespace outpost::alerts

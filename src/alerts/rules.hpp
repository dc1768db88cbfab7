// The monitors of a management group and its alert settings: the [alerts] section of every
// management server's configuration file (the same on each, like [collect]), validated at start
// and on SIGHUP. Built-in monitors (kBuiltinMonitors) need no definition.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.hpp"
#include "core/error.hpp"
#include "storage/alerts.hpp"

namespace outpost::alerts {

// The built-in monitors' names, as alerts carry them (no defined monitor may take one).
inline constexpr std::string_view kHeartbeatMonitor = "heartbeat";
inline constexpr std::string_view kCertificateMonitor = "certificate";
inline constexpr std::string_view kQueueDropsMonitor = "queue-drops";
inline constexpr std::string_view kFailoverMonitor = "failover";
inline constexpr std::string_view kPendingMonitor = "pending-approval";
inline constexpr std::array<std::string_view, 5> kBuiltinMonitors{
    kHeartbeatMonitor, kCertificateMonitor, kQueueDropsMonitor, kFailoverMonitor, kPendingMonitor};

enum class MonitorKind { threshold, check, log };

struct Monitor {
  std::string name;
  MonitorKind kind = MonitorKind::threshold;
  std::string computers = "*";  // which computers: a name pattern with * and ?
  // threshold: the latest samples of `counter` (of `instance`, or of each instance when empty)
  // beyond `warning` / `critical` (above them, or below with direction = "below") for `for_s`
  // seconds; it returns to healthy only once back by `hysteresis`.
  std::string counter;
  std::string instance;
  bool above = true;
  std::optional<double> warning;
  std::optional<double> critical;
  double hysteresis = 0;
  int for_s = 0;
  // check: the latest result of the check `check` ("*": each check) turns into its severity
  // (WARNING and UNKNOWN warning, CRITICAL critical).
  std::string check;
  // log: at least `count` events of log rule `rule` within `window_s` seconds.
  std::string rule;
  int count = 1;
  int window_s = 300;
  storage::Severity severity = storage::Severity::warning;  // a log monitor's
};

// Where a notification goes: a command (run with the alert in environment variables, no shell),
// a webhook (HTTPS POST of a JSON body) or e-mail through an SMTP relay (STARTTLS required).
enum class Channel { command, webhook, email };
[[nodiscard]] std::string_view channel_name(Channel channel);

// [[alerts.notify]]: which alerts notify whom, when, and how often.
struct Subscription {
  std::string name;
  Channel channel = Channel::command;
  storage::Severity min_severity = storage::Severity::warning;
  std::string computers = "*";  // name patterns, like a monitor's
  std::string gateway;          // when set: only this gateway and the computers behind it
  std::string monitors = "*";
  int delay_s = 0;         // only if the alert is still unresolved after this long
  int repeat_s = 0;        // again every repeat_s while it is open (not acknowledged); 0: once
  bool on_resolve = true;  // also when it resolves (if the opening was notified)
  int timeout_s = 30;      // one attempt
  int max_attempts = 10;   // then 30107; retries back off from 5 s to 10 min
  std::vector<std::string> command;  // command: argv, the first an absolute path
  std::string url;                   // webhook: https://...
  std::string ca_file;               // webhook, email: trust this CA instead of the system's
  std::string smtp_url;              // email: smtp://host:port (STARTTLS) or smtps://
  std::string from;
  std::vector<std::string> to;
  std::string username;       // email: optional authentication
  std::string password_file;  // its password, read at each delivery (owner-only file)
};

struct AlertRules {
  int evaluation_interval_s = 10;
  int certificate_warning_days = 30;  // 0: no certificate alerts
  int queue_drop_window_s = 3600;     // a drop within this long is an alert; 0: none
  bool failover_warning = true;       // a gateway connected to a failover server is an alert
  int pending_warning_s = 86400;      // an agent pending approval longer is an alert; 0: none
  std::vector<Monitor> monitors;
  std::vector<Subscription> subscriptions;
};

// Whether `s` wants to hear about an alert of `monitor` on `computer` at `severity`; `parent`
// is the node the computer is connected through (for a subscription to a gateway's computers).
[[nodiscard]] bool subscribed(const Subscription& s, const std::string& computer,
                              const std::string& parent, const std::string& monitor,
                              storage::Severity severity);

// The [alerts] section of a management server's file (config.alerts_toml); defaults without one.
// Errors name the file, the table, the key and what is expected (30010).
[[nodiscard]] Result<AlertRules> parse_alert_rules(const NodeConfig& config);
// For NodeContext::reload and the server's start: the section parses.
[[nodiscard]] Result<void> check_alert_rules(const NodeConfig& config);

// `pattern` with * (any run) and ? (one character) matches the whole of `name`.
[[nodiscard]] bool name_matches(std::string_view pattern, std::string_view name);

}  // namespace outpost::alerts

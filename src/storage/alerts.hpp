// What the database keeps for alerts (alerts/ decides them): the alerts with their lifecycle and
// history, maintenance windows, and the lease that lets one management server of a group
// evaluate the monitors at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"

namespace outpost::storage {

enum class Severity { warning, critical };
[[nodiscard]] std::string_view severity_name(Severity severity);
[[nodiscard]] std::optional<Severity> severity_from_name(std::string_view name);

// open: raised, nobody has looked at it; acknowledged: someone owns it; resolved: its monitor
// returned to healthy; closed: an operator closed it by hand.
enum class AlertState { open, acknowledged, resolved, closed };
[[nodiscard]] std::string_view alert_state_name(AlertState state);
[[nodiscard]] std::optional<AlertState> alert_state_from_name(std::string_view name);

struct Alert {
  std::int64_t id = 0;
  std::string computer;
  std::string monitor;
  Severity severity = Severity::warning;
  AlertState state = AlertState::open;
  std::string summary;
  TimePoint opened;
  TimePoint last_seen;
  std::optional<TimePoint> ended;  // resolved or closed
  // The cause lasts: no second alert opens for the same computer and monitor while this one is
  // active. A closed alert stays active until its monitor returns to healthy.
  bool active = true;
  std::int64_t repeat_count = 0;  // occurrences after the first (log monitors)
  std::string owner;              // who acknowledged or closed it
  std::string comment;
  // A log monitor's newest occurrence counted (ms since the epoch, as the agent produced it);
  // 0 when none was (the repeats are then counted from last_seen).
  std::int64_t newest_occurrence_ms = 0;
};

// One line of an alert's history: who changed what, when.
struct AlertHistoryEntry {
  TimePoint at;
  std::string actor;   // "monitor" for the evaluation, else the operator
  std::string change;  // opened, severity, repeated, resolved, acknowledged, closed
  std::string detail;
};

// A notification to put in the outbox with an alert change: `event` is "opened", "repeat" or
// "resolved"; the row is unique per (alert, subscription, event, seq), so asking twice adds one.
struct NotifyRequest {
  std::string subscription;
  std::string event;
  std::int64_t seq = 0;  // the n-th repeat; 0 otherwise
  TimePoint due;
};

// What the evaluation of the monitors decided for one alert (alerts/lifecycle.hpp).
struct AlertChange {
  enum class Kind { open, update, resolve, release };
  Kind kind = Kind::open;
  std::int64_t alert_id = 0;  // update, resolve, release
  std::string computer;       // open
  std::string monitor;        // open
  Severity severity = Severity::warning;
  std::string summary;
  std::int64_t repeats = 0;                // new occurrences seen (added to repeat_count)
  std::vector<NotifyRequest> notify = {};  // written in the same transaction
  std::int64_t newest_occurrence_ms = 0;   // open, update: the newest occurrence counted (0: none)
};

enum class DeliveryState { pending, sent, failed, cancelled };
[[nodiscard]] std::string_view delivery_state_name(DeliveryState state);
[[nodiscard]] std::optional<DeliveryState> delivery_state_from_name(std::string_view name);

// One row of the notification outbox, with its alert as it is now.
struct Notification {
  std::int64_t id = 0;
  std::int64_t alert_id = 0;
  std::string subscription;
  std::string event;
  std::int64_t seq = 0;
  TimePoint due;
  DeliveryState state = DeliveryState::pending;
  int attempts = 0;
  std::string last_error;
  std::optional<TimePoint> done;  // sent, failed for good or cancelled
  Alert alert;
};

// What became of one delivery attempt.
struct Delivery {
  std::int64_t id = 0;
  DeliveryState state = DeliveryState::sent;  // pending: retry at `retry_at`
  std::string error;
  TimePoint at;
  TimePoint retry_at;
  std::optional<NotifyRequest> follow_up;  // the next repeat, for the same alert
};

struct AlertQuery {
  std::optional<AlertState> state;
  bool active_only = false;      // the cause lasts (open, acknowledged, or closed by hand)
  bool unresolved_only = false;  // open or acknowledged
  std::optional<Severity> severity;
  std::string computer;            // empty: any
  std::optional<TimePoint> since;  // opened at or after
  std::size_t limit = 1000;        // the newest `limit`, newest first
};

struct MaintenanceWindow {
  std::string computer;
  TimePoint started;
  TimePoint until;
  std::string reason;
  std::string by;
};

}  // namespace outpost::storage

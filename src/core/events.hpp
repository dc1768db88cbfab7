// The event catalogue: every event id Outpost writes, its level, its text and what to do.
// Ids follow the Operations Manager catalogue where one exists; Outpost's own ids are 30000 and
// up. docs/events.md lists the same table for people (a unit test keeps the two in step).
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace outpost {

enum class EventId : int {
  none = 0,
  queue_over_size_cap = 2023,
  queue_items_expired = 2120,
  device_not_in_group = 20000,
  device_wrong_group = 20001,
  device_not_authenticated = 20002,
  entity_available = 20020,
  entity_available_through = 20021,
  entity_not_heartbeating = 20022,
  entity_unreachable = 20023,
  cert_eku_missing = 20050,
  cert_not_valid_now = 20051,
  cert_name_mismatch = 20052,
  cert_loaded = 20053,
  cert_not_found = 20066,
  cert_no_private_key = 20068,
  closed_after_auth = 20070,
  closed_before_auth = 20071,
  remote_cert_untrusted = 20072,
  parent_name_unresolved = 21005,
  parent_connect_failed = 21006,
  failed_over = 21015,
  no_parent_left = 21016,
  failed_back = 21019,
  config_none_requesting = 21023,
  config_out_of_date = 21024,
  config_received = 21025,
  cert_key_usage_missing = 30001,
  cert_key_too_weak = 30002,
  cert_not_end_entity = 30003,
  cert_file_unreadable = 30004,
  trusted_cert_added = 30005,
  csr_refused = 30006,
  ca_key_exposed = 30007,
  cert_names_several = 30008,
  config_invalid = 30010,
  role_conflict = 30011,
  role_changed = 30012,
  admin_no_change = 30013,
  pending_forgotten = 30014,
  admission_name_invalid = 30015,
  state_dir_missing = 30016,
  file_mode_tightened = 30017,
  computer_unknown = 30018,
  command_line_invalid = 30019,
  daemon_started = 30020,
  daemon_stopped = 30021,
  peer_admitted = 30022,
  peer_disconnected = 30023,
  config_reloaded = 30024,
  config_reload_failed = 30025,
  parent_named_by_address = 30026,
  daemon_not_running = 30027,
  database_error = 30030,
  queue_write_failed = 30040,
  queue_damaged = 30041,
  data_gap = 30050,
  data_groomed = 30051,
  item_refused = 30052,
  ingest_failed = 30053,
  collect_source_unreadable = 30060,
  collect_read_stalled = 30061,
  refusals_summarized = 30070,
  preauth_budget_exceeded = 30071,
  rogue_root_same_name = 30072,
  log_rotated = 30073,
  alpn_refused = 30074,
  refusal_report_refused = 30075,
  peer_over_buffer = 30080,
  relay_held_back = 30081,
  relay_resumed = 30082,
  agent_proof_refused = 30090,
  relay_refused = 30091,
  gateway_key_bound = 30092,
  gateway_key_mismatch = 30093,
  parents_change_refused = 30094,
  alert_opened = 30100,
  alert_resolved = 30101,
  alert_changed_by_hand = 30102,
  maintenance_changed = 30103,
  alert_evaluator_changed = 30104,
  notification_sent = 30105,
  notification_failed = 30106,
  notification_given_up = 30107,
  web_listening = 30110,
  web_unavailable = 30111,
  web_login_refused = 30112,
  web_login_throttled = 30113,
  web_request_invalid = 30114,
  web_not_authenticated = 30115,
  web_forbidden = 30116,
  web_not_found = 30117,
  web_request_too_large = 30118,
  web_user_changed = 30119,
};

enum class Level { info, warning, error };

struct EventInfo {
  EventId id;
  Level level;
  std::string_view text;    // what happened, as the event log says it
  std::string_view action;  // what an operator does about it; empty for information
};

[[nodiscard]] std::span<const EventInfo> event_catalogue();
[[nodiscard]] const EventInfo& event_info(EventId id);
[[nodiscard]] std::optional<EventId> event_id_from_number(int number);
[[nodiscard]] constexpr int number(EventId id) {
  return static_cast<int>(id);
}
[[nodiscard]] std::string_view level_name(Level level);
[[nodiscard]] std::optional<Level> level_from_name(std::string_view name);

}  // namespace outpost

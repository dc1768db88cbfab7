// Node configuration files (TOML, DESIGN §9). Loading validates every key and fails with an
// error that names the file, the key, the bad value and what is expected; unknown keys are
// errors too, because a misspelt key silently ignored is a setting that never took effect.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace outpost {

inline constexpr std::uint16_t kDefaultPort = 5723;

struct Endpoint {
  std::string host;
  std::uint16_t port = kDefaultPort;
  [[nodiscard]] std::string text() const;  // "host:port", "[::1]:port" for IPv6 literals
  bool operator==(const Endpoint&) const = default;
};

// Parses "host", "host:port", "[v6]:port"; the port defaults to 5723.
[[nodiscard]] std::optional<Endpoint> parse_endpoint(std::string_view text);

// A database URL fit for messages and logs: the password of "scheme://user:password@host/..."
// and of any "password=..." parameter becomes "***".
[[nodiscard]] std::string redact_url(std::string_view url);

enum class AgentAdmission { reject, review, automatic };

[[nodiscard]] std::string_view admission_name(AgentAdmission policy);

// [web] on a management server: the HTTPS listener of the REST API and the console
// (docs/api.md). No [web] section: no listener.
struct WebSettings {
  Endpoint listen;                  // address, port (default 127.0.0.1:8443)
  std::filesystem::path cert_file;  // PEM certificate (chain) of the console; empty: the
  std::filesystem::path key_file;   // channel certificate and its key
  int max_connections = 256;        // open connections in all; more wait in the kernel's backlog
  int max_per_source = 32;          // open connections from one address
  int body_limit_kb = 64;           // a request body larger than this answers 413
  int session_idle_min = 30;        // a console session not used for this long ends
  int session_max_h = 12;           // and every session after this long
  int threads = 2;                  // threads serving it (never the channel's thread)
};

struct NodeConfig {
  std::filesystem::path file;  // where it was loaded from
  std::string fqdn;
  std::string management_group;
  std::filesystem::path state_dir;  // relative paths are resolved against the file's folder
  std::optional<Endpoint> listen;
  std::vector<Endpoint> parents;  // primary first
  std::optional<std::string> database_url;
  std::optional<WebSettings> web;
  AgentAdmission agent_admission = AgentAdmission::reject;
  int heartbeat_interval_s = 60;
  int heartbeat_missed_allowed = 3;
  std::map<std::string, std::string> hosts;  // canonical name -> IP address literal
  // The [collect] section rendered as TOML ("" when there is none): an agent's local collection
  // rules, and on a management server the rules it sends its agents. Checked by collect/.
  std::string collect_toml;
  // The [alerts] section rendered as TOML ("" when there is none): a management server's
  // monitors and alert settings. Checked by alerts/.
  std::string alerts_toml;
  int retention_events_days = 30;  // [retention] on servers: grooming per data kind
  int retention_samples_days = 30;
  int retention_checks_days = 90;
  int retention_refusals_days = 30;  // refused connections not seen again for this long
  int retention_audit_days = 365;    // the console's and API's audit log
  int queue_max_mb = 256;            // [queue] on agents: the durable queue's byte cap (2023)
  int queue_max_age_h = 168;         // [queue] on agents: its age cap (2120)
  int dead_peer_timeout_s = 15;      // [failover]: a silent parent is given up after this
  int failback_interval_s = 60;      // [failover]: how often a node on a failover parent probes
                                     // its primary
  bool allow_tls12 = false;          // [tls] minimum_version = "1.2"; default 1.3
  // Gateways: [parents] server_initiates = true: the management servers in [parents] dial this
  // gateway; it never dials them (a DMZ gateway approved with --server-initiates).
  bool server_initiates = false;
  // [limits]: what any peer can make this node hold. Before authentication (every listener):
  // unauthenticated connections in total and per source address, and the time from accept to
  // the Welcome.
  int preauth_max_connections = 512;
  int preauth_max_per_source = 16;
  int handshake_timeout_s = 10;
  // After authentication: the bytes waiting to be sent to one peer (more closes it, 30080) and
  // to all peers together (over it, the peers holding more than their fair share are closed).
  // A gateway stops reading from its agents while a quarter of the per-peer figure waits for its
  // management server (30081, 30082). Larger than one frame (16 MiB).
  int session_max_buffered_mb = 64;
  int daemon_max_buffered_mb = 256;
  // The refused connections a node keeps as aggregates (who, from where, why): distinct records
  // beyond it evict the least recently seen (counted as dropped). A server keeps as many rows per
  // reporting node in its database.
  int refusal_records = 1000;
  // [log]: events.jsonl (and a daemon log written to a file) rotate at this size, keeping this
  // many rotated files.
  int log_max_file_mb = 16;
  int log_keep_files = 5;
};

// Errors carry EventId::config_invalid.
[[nodiscard]] Result<NodeConfig> load_node_config(const std::filesystem::path& file);
[[nodiscard]] Result<NodeConfig> parse_node_config(std::string_view text,
                                                   const std::filesystem::path& file);

}  // namespace outpost

#include "core/config.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <tuple>

#include <fmt/format.h>

#include "core/config_reader.hpp"
#include "core/files.hpp"
#include "core/names.hpp"

namespace outpost {
namespace {

using detail::ConfigReader;

bool is_ip_literal(const std::string& text) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

bool is_host(const std::string& text) {
  return is_valid_host_name(text) || is_ip_literal(text);
}

std::string in_quotes(std::string_view text) {
  return fmt::format("\"{}\"", text);
}

Result<void> read_node(const ConfigReader& r, NodeConfig& c) {
  auto fqdn = r.text("node", "fqdn");
  if (!fqdn) return std::unexpected(fqdn.error());
  if (!*fqdn)
    return std::unexpected(
        r.missing("node", "fqdn", "this computer's FQDN, e.g. \"gw1.lab.test\""));
  if (!is_valid_host_name(**fqdn)) {
    return std::unexpected(r.bad_value("node", "fqdn", in_quotes(**fqdn),
                                       "a DNS name of letters, digits, hyphens and dots"));
  }
  c.fqdn = canonical_host_name(**fqdn);

  auto group = r.text("node", "management_group");
  if (!group) return std::unexpected(group.error());
  if (!*group)
    return std::unexpected(
        r.missing("node", "management_group", "the management group's name, e.g. \"LAB\""));
  if ((*group)->empty() || (*group)->size() > 64) {
    return std::unexpected(r.bad_value("node", "management_group", in_quotes(**group),
                                       "a name of 1 to 64 characters"));
  }
  c.management_group = **group;

  auto state = r.text("node", "state_dir");
  if (!state) return std::unexpected(state.error());
  if (!*state)
    return std::unexpected(
        r.missing("node", "state_dir", "a folder for this node's stores and logs"));
  if ((*state)->empty()) {
    return std::unexpected(r.bad_value("node", "state_dir", "\"\"", "a folder path"));
  }
  std::filesystem::path dir(**state);
  c.state_dir = dir.is_absolute() ? dir : c.file.parent_path() / dir;
  c.state_dir = c.state_dir.lexically_normal();
  return {};
}

Result<void> read_network(const ConfigReader& r, NodeConfig& c) {
  if (r.table("listen") != nullptr) {
    Endpoint listen;
    auto address = r.text("listen", "address");
    if (!address) return std::unexpected(address.error());
    if (*address) {
      if (!is_host(**address)) {
        return std::unexpected(r.bad_value("listen", "address", in_quotes(**address),
                                           "an IP address or host name to listen on"));
      }
      listen.host = **address;
    } else {
      listen.host = "0.0.0.0";
    }
    auto port = r.integer("listen", "port", 0, 65535);  // 0: any free port (tests)
    if (!port) return std::unexpected(port.error());
    listen.port = static_cast<std::uint16_t>(port->value_or(kDefaultPort));
    c.listen = listen;
  }
  auto servers = r.text_list("parents", "servers");
  if (!servers) return std::unexpected(servers.error());
  for (const auto& text : servers->value_or(std::vector<std::string>{})) {
    auto endpoint = parse_endpoint(text);
    if (!endpoint || !is_host(endpoint->host)) {
      return std::unexpected(r.bad_value("parents", "servers", in_quotes(text),
                                         "\"host\" or \"host:port\" with a port from 1 to 65535"));
    }
    if (is_ip_literal(endpoint->host)) {  // the parent's certificate names it by FQDN
      Error refused = r.bad_value("parents", "servers", in_quotes(text),
                                  "the parent's FQDN, the name in its certificate");
      refused.event = EventId::parent_named_by_address;
      refused.fix = fmt::format(
          "name the parent by the FQDN in its certificate; if DNS does not know that name, map "
          "it to {} in [hosts]: \"PARENT-FQDN\" = \"{}\"",
          endpoint->host, endpoint->host);
      return std::unexpected(std::move(refused));
    }
    c.parents.push_back(*endpoint);
  }
  auto initiates = r.boolean("parents", "server_initiates");
  if (!initiates) return std::unexpected(initiates.error());
  c.server_initiates = initiates->value_or(false);
  auto tls = r.text("tls", "minimum_version");
  if (!tls) return std::unexpected(tls.error());
  if (*tls && **tls != "1.2" && **tls != "1.3") {
    return std::unexpected(
        r.bad_value("tls", "minimum_version", in_quotes(**tls), "\"1.2\" or \"1.3\""));
  }
  c.allow_tls12 = *tls && **tls == "1.2";
  if (const auto* hosts = r.table("hosts")) {
    for (const auto& [name, value] : *hosts) {
      if (!is_valid_host_name(name.str())) {
        return std::unexpected(r.bad_value("hosts", fmt::format("\"{}\"", name.str()), "...",
                                           "a DNS name as the key"));
      }
      auto address = r.text("hosts", name.str());
      if (!address) return std::unexpected(address.error());
      if (!is_ip_literal(**address)) {
        return std::unexpected(r.bad_value("hosts", fmt::format("\"{}\"", name.str()),
                                           in_quotes(**address), "an IPv4 or IPv6 address"));
      }
      c.hosts[canonical_host_name(name.str())] = **address;
    }
  }
  return {};
}

Result<void> read_server(const ConfigReader& r, NodeConfig& c) {
  auto url = r.text("database", "url");
  if (!url) return std::unexpected(url.error());
  if (*url) {
    if (!(*url)->starts_with("sqlite://") && !(*url)->starts_with("postgresql://") &&
        !(*url)->starts_with("postgres://")) {
      return std::unexpected(r.bad_value("database", "url", in_quotes(redact_url(**url)),
                                         "\"sqlite:///path/to/file.db\" or "
                                         "\"postgresql://user@host:port/database\""));
    }
    c.database_url = **url;
  }
  auto agents = r.text("admission", "agents");
  if (!agents) return std::unexpected(agents.error());
  if (*agents) {
    if (**agents == "reject") {
      c.agent_admission = AgentAdmission::reject;
    } else if (**agents == "review") {
      c.agent_admission = AgentAdmission::review;
    } else if (**agents == "auto") {
      c.agent_admission = AgentAdmission::automatic;
    } else {
      return std::unexpected(r.bad_value("admission", "agents", in_quotes(**agents),
                                         "\"reject\", \"review\" or \"auto\""));
    }
  }
  auto interval = r.integer("heartbeat", "interval_s", 1, 86400);
  if (!interval) return std::unexpected(interval.error());
  c.heartbeat_interval_s = static_cast<int>(interval->value_or(c.heartbeat_interval_s));
  auto missed = r.integer("heartbeat", "missed_allowed", 1, 100);
  if (!missed) return std::unexpected(missed.error());
  c.heartbeat_missed_allowed = static_cast<int>(missed->value_or(c.heartbeat_missed_allowed));
  for (auto [key, target] : {std::pair{"events_days", &c.retention_events_days},
                             std::pair{"samples_days", &c.retention_samples_days},
                             std::pair{"checks_days", &c.retention_checks_days},
                             std::pair{"refusals_days", &c.retention_refusals_days},
                             std::pair{"audit_days", &c.retention_audit_days}}) {
    auto days = r.integer("retention", key, 1, 36500);
    if (!days) return std::unexpected(days.error());
    *target = static_cast<int>(days->value_or(*target));
  }
  auto max_mb = r.integer("queue", "max_mb", 1, 1 << 20);
  if (!max_mb) return std::unexpected(max_mb.error());
  c.queue_max_mb = static_cast<int>(max_mb->value_or(c.queue_max_mb));
  auto max_age = r.integer("queue", "max_age_h", 1, 24 * 3650);
  if (!max_age) return std::unexpected(max_age.error());
  c.queue_max_age_h = static_cast<int>(max_age->value_or(c.queue_max_age_h));
  auto dead = r.integer("failover", "dead_peer_timeout_s", 3, 3600);
  if (!dead) return std::unexpected(dead.error());
  c.dead_peer_timeout_s = static_cast<int>(dead->value_or(c.dead_peer_timeout_s));
  auto failback = r.integer("failover", "failback_interval_s", 1, 86400);
  if (!failback) return std::unexpected(failback.error());
  c.failback_interval_s = static_cast<int>(failback->value_or(c.failback_interval_s));
  for (auto [section, key, target, low, high] : {
           std::tuple{"limits", "preauth_max_connections", &c.preauth_max_connections, 1, 1000000},
           std::tuple{"limits", "preauth_max_per_source", &c.preauth_max_per_source, 1, 1000000},
           std::tuple{"limits", "handshake_timeout_s", &c.handshake_timeout_s, 1, 300},
           std::tuple{"limits", "session_max_buffered_mb", &c.session_max_buffered_mb, 17, 4096},
           std::tuple{"limits", "daemon_max_buffered_mb", &c.daemon_max_buffered_mb, 17, 65536},
           std::tuple{"limits", "refusal_records", &c.refusal_records, 10, 1000000},
           std::tuple{"log", "max_file_mb", &c.log_max_file_mb, 1, 65536},
           std::tuple{"log", "keep_files", &c.log_keep_files, 1, 1000},
       }) {
    auto value = r.integer(section, key, low, high);
    if (!value) return std::unexpected(value.error());
    *target = static_cast<int>(value->value_or(*target));
  }
  if (c.daemon_max_buffered_mb < c.session_max_buffered_mb) {
    return fail(fmt::format("{}: [limits] daemon_max_buffered_mb ({}) is smaller than "
                            "session_max_buffered_mb ({})",
                            c.file.string(), c.daemon_max_buffered_mb, c.session_max_buffered_mb),
                "make daemon_max_buffered_mb at least session_max_buffered_mb",
                EventId::config_invalid);
  }
  return {};
}

}  // namespace

std::string Endpoint::text() const {
  if (host.find(':') != std::string::npos) {
    return fmt::format("[{}]:{}", host, port);
  }
  return fmt::format("{}:{}", host, port);
}

std::string redact_url(std::string_view url) {
  std::string out(url);
  if (const auto scheme = out.find("://"); scheme != std::string::npos) {
    const std::size_t start = scheme + 3;
    const std::size_t end = std::min(out.find_first_of("/?#", start), out.size());
    const std::string_view authority = std::string_view(out).substr(start, end - start);
    const std::size_t at = authority.rfind('@');
    const std::size_t colon = authority.find(':');
    if (at != std::string_view::npos && colon < at) {
      out.replace(start + colon + 1, at - colon - 1, "***");
    }
  }
  constexpr std::string_view kKey = "password=";
  for (std::size_t pos = out.find(kKey); pos != std::string::npos;
       pos = out.find(kKey, pos + kKey.size())) {
    const std::size_t value = pos + kKey.size();
    const std::size_t end = std::min(out.find_first_of("& ", value), out.size());
    out.replace(value, end - value, "***");
  }
  return out;
}

std::optional<Endpoint> parse_endpoint(std::string_view text) {
  Endpoint endpoint;
  std::string_view port_text;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    endpoint.host = std::string(text.substr(1, close - 1));
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port_text = rest.substr(1);
      if (port_text.empty()) return std::nullopt;
    }
  } else {
    const auto colon = text.rfind(':');
    if (colon != std::string_view::npos && text.find(':') != colon) {
      endpoint.host = std::string(text);  // bare IPv6 literal
    } else if (colon != std::string_view::npos) {
      endpoint.host = std::string(text.substr(0, colon));
      port_text = text.substr(colon + 1);
      if (port_text.empty()) return std::nullopt;
    } else {
      endpoint.host = std::string(text);
    }
  }
  if (endpoint.host.empty()) return std::nullopt;
  if (!port_text.empty()) {
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      return std::nullopt;
    }
    endpoint.port = static_cast<std::uint16_t>(value);
  }
  return endpoint;
}

std::string_view admission_name(AgentAdmission policy) {
  switch (policy) {
    case AgentAdmission::reject:
      return "reject";
    case AgentAdmission::review:
      return "review";
    case AgentAdmission::automatic:
      return "auto";
  }
  return "reject";
}

Result<NodeConfig> parse_node_config(std::string_view text, const std::filesystem::path& file) {
  toml::table root;
  try {
    root = toml::parse(text, file.string());
  } catch (const toml::parse_error& e) {
    return fail(fmt::format("{} line {}, column {}: {}", file.string(), e.source().begin.line,
                            e.source().begin.column, e.description()),
                "", EventId::config_invalid);
  }
  const ConfigReader reader(root, file.string());
  if (auto known = reader.reject_unknown({
          {"node", {"fqdn", "management_group", "state_dir"}},
          {"listen", {"address", "port"}},
          {"parents", {"servers", "server_initiates"}},
          {"tls", {"minimum_version"}},
          {"failover", {"dead_peer_timeout_s", "failback_interval_s"}},
          {"retention",
           {"events_days", "samples_days", "checks_days", "refusals_days", "audit_days"}},
          {"web",
           {"address", "port", "cert_file", "key_file", "max_connections", "max_per_source",
            "body_limit_kb", "session_idle_min", "session_max_h", "threads"}},
          {"database", {"url"}},
          {"admission", {"agents"}},
          {"heartbeat", {"interval_s", "missed_allowed"}},
          {"queue", {"max_mb", "max_age_h"}},
          {"limits",
           {"preauth_max_connections", "preauth_max_per_source", "handshake_timeout_s",
            "session_max_buffered_mb", "daemon_max_buffered_mb", "refusal_records"}},
          {"log", {"max_file_mb", "keep_files"}},
          {"hosts", {}},
          {"collect", {}},
          {"alerts", {}},
      });
      !known) {
    return std::unexpected(known.error());
  }
  NodeConfig config;
  config.file = std::filesystem::absolute(file);
  config.collect_toml = detail::render_section(root, "collect");
  config.alerts_toml = detail::render_section(root, "alerts");
  for (auto step : {read_node, read_network, read_server, detail::read_web}) {
    if (auto ok = step(reader, config); !ok) {
      return std::unexpected(ok.error());
    }
  }
  return config;
}

Result<NodeConfig> load_node_config(const std::filesystem::path& file) {
  auto text = read_file(file);
  if (!text) {
    return fail(text.error().message, "pass the path of the node's configuration file",
                EventId::config_invalid);
  }
  return parse_node_config(*text, file);
}

}  // namespace outpost

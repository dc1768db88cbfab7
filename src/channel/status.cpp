#include "channel/status.hpp"

namespace outpost::channel {

nlohmann::json certificate_status(const pki::ChannelCertificate& certificate) {
  const pki::Certificate& c = certificate.entry.certificate;
  return {{"subject", c.subject()},
          {"serial", c.serial_hex()},
          {"sha256", c.sha256_hex()},
          {"not_after", format_utc(c.not_after())}};
}

nlohmann::json session_status(const Session& session) {
  return {{"fqdn", session.peer().fqdn},
          {"role", role_name(session.peer().role)},
          {"address", session.remote_address()},
          {"since", format_utc(session.since())},
          {"send_queue_bytes", session.queued_bytes()}};
}

nlohmann::json buffer_status(const BufferBudget& budget) {
  return {{"held_bytes", budget.held()},
          {"peak_bytes", budget.peak()},
          {"limit_bytes", budget.limit()},
          {"connections", budget.sessions()}};
}

nlohmann::json parent_status(const Session& session, const Endpoint& dialled, bool primary) {
  nlohmann::json parent = session_status(session);
  parent["host"] = dialled.host;
  parent["port"] = dialled.port;
  parent["primary"] = primary;
  return parent;
}

nlohmann::json node_status(const NodeConfig& config, std::string_view role,
                           const pki::ChannelCertificate& certificate,
                           const std::optional<Endpoint>& listening) {
  return {{"fqdn", config.fqdn},
          {"role", role},
          {"management_group", config.management_group},
          {"listen", listening ? listening->text() : ""},
          {"certificate", certificate_status(certificate)},
          {"parent", nullptr},
          {"children", nlohmann::json::array()}};
}

}  // namespace outpost::channel

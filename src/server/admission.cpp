#include "server/admission.hpp"

#include <fmt/format.h>

#include "server/admin_rules.hpp"

namespace outpost::server {
namespace {

storage::AgentPolicy policy_of(AgentAdmission admission) {
  switch (admission) {
    case AgentAdmission::automatic:
      return storage::AgentPolicy::automatic;
    case AgentAdmission::review:
      return storage::AgentPolicy::review;
    case AgentAdmission::reject:
      return storage::AgentPolicy::reject;
  }
  return storage::AgentPolicy::reject;
}

channel::Admission admitted() {
  return channel::Admission{true, wire::REJECT_UNSPECIFIED, EventId::none, ""};
}

channel::Admission refuse(wire::RejectCode code, std::string reason) {
  return channel::Admission{false, code, EventId::device_not_in_group, std::move(reason)};
}

// The database failed: logged here with its details (30030); the peer is told to try later.
channel::Admission database_failure(EventLog& log, const Error& error) {
  (void)log.write(EventId::database_error, error.describe());
  return channel::Admission{false, wire::REJECT_UNSPECIFIED, EventId::database_error,
                            "the management server cannot decide now (database error); the "
                            "connection will be retried"};
}

channel::Admission admit_gateway(storage::Storage& db, const NodeConfig& config, EventLog& log,
                                 const channel::PeerIdentity& peer) {
  auto known = db.computer(peer.fqdn);
  if (!known) return database_failure(log, known.error());
  if (*known && (*known)->role == storage::Role::gateway &&
      (*known)->approval == storage::Approval::approved) {
    return check_gateway_key(db, log, peer);
  }
  if (*known && (*known)->role != storage::Role::gateway) {  // never advise approving it
    return refuse(
        wire::REJECT_NOT_APPROVED,
        fmt::format("{} is known as {} in management group {}, not as a gateway; it "
                    "is not admitted as a gateway. If it really is a gateway now, an "
                    "operator changes its role on purpose with --change-role",
                    peer.fqdn, role_with_article((*known)->role), config.management_group));
  }
  return refuse(wire::REJECT_NOT_APPROVED,
                fmt::format("gateway {} is not approved in management group {}: run outpost "
                            "gateway approve --config SERVER.toml --gateway {}",
                            peer.fqdn, config.management_group, peer.fqdn));
}

channel::Admission admit_agent(storage::Storage& db, const NodeConfig& config, EventLog& log,
                               const channel::PeerIdentity& peer) {
  auto known = db.computer(peer.fqdn);
  if (!known) return database_failure(log, known.error());
  if (*known && (*known)->role != storage::Role::agent) {
    return refuse(
        wire::REJECT_REJECTED,
        fmt::format("{} is registered as a {} in management group {}, not as an agent", peer.fqdn,
                    storage::role_name((*known)->role), config.management_group));
  }
  auto approval = db.agent_seen(peer.fqdn, policy_of(config.agent_admission), Clock::now());
  if (!approval) return database_failure(log, approval.error());
  switch (*approval) {
    case storage::Approval::approved:
      return admitted();
    case storage::Approval::pending:
      return refuse(wire::REJECT_PENDING_APPROVAL,
                    fmt::format("agent {} is pending approval: run outpost agent approve {} "
                                "--config SERVER.toml",
                                peer.fqdn, peer.fqdn));
    case storage::Approval::rejected:
      break;
  }
  return refuse(
      wire::REJECT_REJECTED,
      fmt::format("agent {} is rejected by management group {} (admission policy "
                  "'{}', or an operator)",
                  peer.fqdn, config.management_group, admission_name(config.agent_admission)));
}

}  // namespace

channel::Admission check_gateway_key(storage::Storage& db, EventLog& log,
                                     const channel::PeerIdentity& gateway) {
  if (gateway.key_sha256.empty()) {
    return channel::Admission{false, wire::REJECT_NOT_APPROVED, EventId::gateway_key_mismatch,
                              "the gateway's public key could not be read"};
  }
  auto binding = db.bind_gateway_key(gateway.fqdn, gateway.key_sha256, Clock::now());
  if (!binding) return database_failure(log, binding.error());
  if (binding->bound_now) {
    (void)log.write(EventId::gateway_key_bound,
                    fmt::format("Gateway {} is now bound to the key of the certificate it "
                                "connected with (public key SHA-256 {}).",
                                gateway.fqdn, gateway.key_sha256),
                    {{"gateway", gateway.fqdn}, {"key_sha256", gateway.key_sha256}});
  }
  if (binding->key_sha256 == gateway.key_sha256) return admitted();
  return channel::Admission{
      false, wire::REJECT_NOT_APPROVED, EventId::gateway_key_mismatch,
      fmt::format("gateway {} presented a certificate whose key (public key SHA-256 {}) is not "
                  "the key its approval is bound to ({}); if the gateway's key was renewed on "
                  "purpose, run outpost gateway approve --gateway {} --rebind on the management "
                  "server",
                  gateway.fqdn, gateway.key_sha256, binding->key_sha256, gateway.fqdn)};
}

channel::Admission decide_admission(storage::Storage& db, const NodeConfig& config, EventLog& log,
                                    const channel::PeerIdentity& peer) {
  switch (peer.role) {
    case wire::ROLE_GATEWAY:
      return admit_gateway(db, config, log, peer);
    case wire::ROLE_AGENT:
      return admit_agent(db, config, log, peer);
    default:
      break;
  }
  return refuse(
      wire::REJECT_PROTOCOL_ERROR,
      fmt::format("a {} cannot connect to a management server", channel::role_name(peer.role)));
}

}  // namespace outpost::server

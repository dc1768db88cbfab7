// The management server's side of end-to-end agent authentication through gateways
// (docs/security.md). A gateway's AdmissionQuery brings the agent's certificate chain: the
// server verifies it against its own trusted store, challenges the agent (through the gateway,
// before the agent's Welcome) and decides admission only when the signed answer verifies, so
// nothing is stored about a name nobody proved. Afterwards heartbeats and data for the agent
// are taken only from the gateway holding its fresh proof; the agent is challenged again every
// heartbeat interval, and an unknown or stale one is challenged before anything of it counts.
#include <fmt/format.h>

#include "channel/session.hpp"
#include "core/names.hpp"
#include "pki/proof.hpp"
#include "server/admission.hpp"
#include "server/management_server.hpp"

namespace outpost::server {
namespace {

constexpr std::size_t kMaxNameLength = 253;
constexpr std::size_t kMaxRelayRefusalsLogged = 4096;

// The AdmissionAnswer for query_id (0: unasked): a refusal unless the caller sets it admitted.
wire::Envelope answer_to(std::uint64_t query_id, const std::string& agent, wire::RejectCode code,
                         const std::string& reason) {
  wire::Envelope answer;
  auto* a = answer.mutable_admission_answer();
  a->set_query_id(query_id);
  a->set_agent_fqdn(agent);
  a->set_admitted(false);
  a->set_code(code);
  a->set_reason(reason);
  return answer;
}

RelayedAgents::Key public_key_of(const pki::Certificate& certificate) {
  EVP_PKEY* key = certificate.public_key();
  if (key == nullptr) return nullptr;
  EVP_PKEY_up_ref(key);
  return RelayedAgents::Key(key, EVP_PKEY_free);
}

std::vector<std::string> chain_of(const google::protobuf::RepeatedPtrField<std::string>& field) {
  return {field.begin(), field.end()};
}

}  // namespace

// 30090 and 30091 at most once a minute per event, gateway and agent: a compromised gateway
// repeating itself cannot grow the event log faster than that.
void ManagementServer::log_relay_refusal(EventId event, const std::string& gateway,
                                         const std::string& agent, const std::string& message) {
  const TimePoint now = Clock::now();
  if (relay_refusals_logged_.size() >= kMaxRelayRefusalsLogged) {
    std::erase_if(relay_refusals_logged_,
                  [&](const auto& entry) { return now - entry.second >= std::chrono::minutes(1); });
  }
  const std::string key = fmt::format("{} {} {}", number(event), gateway, agent);
  const auto it = relay_refusals_logged_.find(key);
  if (it != relay_refusals_logged_.end() && now - it->second < std::chrono::minutes(1)) return;
  if (it == relay_refusals_logged_.end() &&
      relay_refusals_logged_.size() >= kMaxRelayRefusalsLogged) {
    return;  // a flood of distinct names: the first 4096 a minute are logged
  }
  relay_refusals_logged_[key] = now;
  (void)log_.write(event, message, {{"gateway", gateway}, {"peer", agent}});
}

std::chrono::seconds ManagementServer::proof_fresh_for() const {
  return std::chrono::seconds(2 * node_->config().heartbeat_interval_s + 15);
}

bool ManagementServer::challenge_agent(const std::shared_ptr<channel::Session>& gateway,
                                       const std::string& agent, std::uint64_t query_id,
                                       RelayedAgents::Key key, const pki::Certificate* verified) {
  const bool want_chain = !key;
  auto nonce = relayed_.challenge(gateway->peer().fqdn, agent, query_id, std::move(key),
                                  Clock::now(), verified != nullptr ? verified->sha256_hex() : "",
                                  verified != nullptr ? verified->not_after() : TimePoint{});
  if (!nonce) return false;
  wire::Envelope envelope;
  auto* c = envelope.mutable_agent_challenge();
  c->set_query_id(query_id);
  c->set_agent_fqdn(agent);
  c->set_nonce(*nonce);
  c->set_want_chain(want_chain);
  gateway->send(std::move(envelope));
  return true;
}

// A gateway asks about an agent it authenticated: its name and chain are checked first, then
// the agent must prove its key; the admission decision waits for that proof.
void ManagementServer::answer_admission(const std::shared_ptr<channel::Session>& gateway,
                                        const wire::AdmissionQuery& query) {
  const std::string& gw = gateway->peer().fqdn;
  const std::string& name = query.agent_fqdn();
  if (name.size() > kMaxNameLength || !is_valid_host_name(name)) {
    const std::string shown = name.substr(0, 64);
    log_relay_refusal(EventId::admission_name_invalid, gw, shown,
                      fmt::format("Gateway {} asked about '{}'{}, which is not a computer name; "
                                  "nothing was stored.",
                                  gw, shown, name.size() > shown.size() ? "..." : ""));
    gateway->send(answer_to(query.query_id(), name, wire::REJECT_NAME_MISMATCH,
                            "the name is not a valid computer name"));
    return;
  }
  const std::string agent = canonical_host_name(name);
  auto certificate = pki::verify_client_chain(chain_of(query.certificate_chain()), node_->trusted(),
                                              agent, Clock::now());
  if (!certificate) {
    const std::string reason = fmt::format("agent {} through gateway {} was refused: {}", agent, gw,
                                           certificate.error().message);
    log_relay_refusal(EventId::agent_proof_refused, gw, agent, reason);
    gateway->send(answer_to(query.query_id(), agent, wire::REJECT_UNSPECIFIED, reason));
    return;
  }
  if (!challenge_agent(gateway, agent, query.query_id(), public_key_of(*certificate),
                       &*certificate)) {
    gateway->send(answer_to(query.query_id(), agent, wire::REJECT_UNSPECIFIED,
                            fmt::format("gateway {} has too many admissions in flight; the agent "
                                        "will retry",
                                        gw)));
  }
}

void ManagementServer::on_agent_proof(const std::shared_ptr<channel::Session>& gateway,
                                      const wire::AgentProof& proof) {
  const std::string& gw = gateway->peer().fqdn;
  const std::string agent = canonical_host_name(proof.agent_fqdn());
  auto challenge = relayed_.take(gw, agent, proof.nonce(), Clock::now());
  if (!challenge) return;  // expired or replayed: the admission times out, the agent retries
  RelayedAgents::Key key = challenge->key;
  std::string why;
  if (!key) {  // a liveness proof for an agent this server has not verified yet
    auto certificate = pki::verify_client_chain(chain_of(proof.certificate_chain()),
                                                node_->trusted(), agent, Clock::now());
    if (certificate) {
      key = public_key_of(*certificate);
    } else {
      why = certificate.error().message;
    }
  }
  if (key &&
      !pki::verify_proof(key.get(), {proof.nonce(), agent, gw, node_->config().management_group},
                         proof.signature())) {
    key.reset();
    why = "the signature over the challenge does not verify with the agent's certificate";
  }
  if (!key) {
    const std::string reason =
        fmt::format("agent {} through gateway {} was refused: {}", agent, gw, why);
    log_relay_refusal(EventId::agent_proof_refused, gw, agent, reason);
    // Only this gateway's own standing for the agent ends: a failed proof relayed by one gateway
    // must not undo the agent's proof through another.
    const auto standing = relayed_.standing(gw, agent, Clock::now(), proof_fresh_for());
    if (standing == RelayedAgents::Standing::proven || standing == RelayedAgents::Standing::stale) {
      relayed_.forget(agent);
    }
    gateway->send(answer_to(challenge->query_id, agent, wire::REJECT_UNSPECIFIED, reason));
    return;
  }
  if (challenge->query_id != 0) {
    challenge->key = std::move(key);
    admit_proven(gateway, proof, *challenge);
  } else {
    keep_proven(gateway, proof, std::move(key));
  }
}

// The admission decision for a proven agent, as for one that connects directly.
void ManagementServer::admit_proven(const std::shared_ptr<channel::Session>& gateway,
                                    const wire::AgentProof& proof,
                                    const RelayedAgents::Challenge& challenge) {
  const std::string& gw = gateway->peer().fqdn;
  const std::string agent = canonical_host_name(proof.agent_fqdn());
  channel::PeerIdentity identity;
  identity.fqdn = agent;
  identity.role = wire::ROLE_AGENT;
  identity.management_group = node_->config().management_group;
  const channel::Admission decision = decide_admission(*storage_, node_->config(), log_, identity);
  wire::Envelope answer = answer_to(challenge.query_id, agent, decision.code, decision.reason);
  answer.mutable_admission_answer()->set_admitted(decision.admitted);
  if (decision.admitted) {
    relayed_.proven(gw, agent, challenge.key, Clock::now());
    auto recorded = storage_->record_heartbeat(
        agent, gw, Clock::now(), challenge.certificate_sha256, challenge.certificate_not_after);
    if (!recorded) (void)log_.write(EventId::database_error, recorded.error().describe());
    (void)log_.write(EventId::peer_admitted,
                     fmt::format("Admitted agent {} through gateway {} (its certificate and key "
                                 "verified by this server).",
                                 agent, gw),
                     {{"peer", agent}, {"through", gw}});
  } else {
    (void)log_.write(decision.event, fmt::format("refused agent {} through gateway {}: {}", agent,
                                                 gw, decision.reason));
  }
  gateway->send(std::move(answer));
}

// A liveness proof: the agent is still there, through this gateway. One that was not proven
// through it (after a restart or a failover, or a move) must also still be an approved agent;
// for the others every heartbeat checks the approval anyway.
void ManagementServer::keep_proven(const std::shared_ptr<channel::Session>& gateway,
                                   const wire::AgentProof& proof, RelayedAgents::Key key) {
  const std::string& gw = gateway->peer().fqdn;
  const std::string agent = canonical_host_name(proof.agent_fqdn());
  const auto standing = relayed_.standing(gw, agent, Clock::now(), proof_fresh_for());
  if (standing == RelayedAgents::Standing::proven || standing == RelayedAgents::Standing::stale) {
    relayed_.proven(gw, agent, std::move(key), Clock::now());
    return;
  }
  auto known = storage_->computer(agent);
  if (!known) {
    (void)log_.write(EventId::database_error, known.error().describe());
    return;
  }
  if (!*known || (*known)->role != storage::Role::agent ||
      (*known)->approval != storage::Approval::approved) {
    const std::string reason = fmt::format("{} is not an approved agent of management group {}",
                                           agent, node_->config().management_group);
    relayed_.forget(agent);
    gateway->send(answer_to(0, agent, wire::REJECT_REJECTED, reason));
    return;
  }
  relayed_.proven(gw, agent, std::move(key), Clock::now());
}

// A heartbeat or data batch for `origin` relayed by `gateway` counts only while that gateway
// holds the agent's fresh proof. Otherwise it is dropped (data is not acknowledged, so the agent
// sends it again) and the agent is challenged through this gateway; 30091 when another gateway
// holds the proof, at most once a minute per gateway and agent.
bool ManagementServer::relay_allowed(const std::shared_ptr<channel::Session>& gateway,
                                     const std::string& origin) {
  const std::string& gw = gateway->peer().fqdn;
  const TimePoint now = Clock::now();
  const auto standing = relayed_.standing(gw, origin, now, proof_fresh_for());
  if (standing == RelayedAgents::Standing::proven) return true;
  if (standing == RelayedAgents::Standing::elsewhere) {
    log_relay_refusal(EventId::relay_refused, gw, origin,
                      fmt::format("Gateway {} relayed for agent {}, whose proven session is "
                                  "through another gateway; dropped.",
                                  gw, origin));
    return false;
  }
  if (is_valid_host_name(origin) && !relayed_.outstanding(gw, origin, now)) {
    (void)challenge_agent(gateway, origin, 0, relayed_.key_of(origin));
  }
  return false;
}

// Every agent whose last proof is a heartbeat interval old is challenged again.
void ManagementServer::challenge_due(TimePoint now) {
  relayed_.expire(now);
  const auto due = relayed_.due(now, std::chrono::seconds(node_->config().heartbeat_interval_s));
  for (const auto& [gw, agent] : due) {
    for (const auto& s : sessions_) {
      if (s->peer().role == wire::ROLE_GATEWAY && s->peer().fqdn == gw && s->is_open()) {
        (void)challenge_agent(s, agent, 0, relayed_.key_of(agent));
        break;
      }
    }
  }
}

}  // namespace outpost::server

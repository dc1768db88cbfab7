// A gateway admits an agent only when its management server says so, and the server decides
// only after it verified the agent itself (docs/security.md, end-to-end authentication): the
// gateway relays the agent's certificate chain in the AdmissionQuery, the server's challenge to
// the agent before its Welcome, and the agent's signed answer back (AgentProof). While the agent
// stays connected the server challenges it again every heartbeat interval; the gateway relays
// those too. A gateway cannot produce any of the proofs itself.
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

#include "gateway/admission_answers.hpp"
#include "gateway/gateway_daemon.hpp"

namespace outpost::gateway {
namespace {

using namespace std::chrono_literals;

constexpr auto kAdmissionTimeout = 15s;

wire::Envelope agent_proof(std::uint64_t query_id, const std::string& agent,
                           const std::string& nonce, std::string signature) {
  wire::Envelope envelope;
  auto* p = envelope.mutable_agent_proof();
  p->set_query_id(query_id);
  p->set_agent_fqdn(agent);
  p->set_nonce(nonce);
  p->set_signature(std::move(signature));
  return envelope;
}

}  // namespace

asio::awaitable<channel::Admission> GatewayDaemon::ask_server(channel::PeerIdentity agent,
                                                              channel::Prover prove) {
  if (agent.role != wire::ROLE_AGENT) {
    co_return refuse(wire::REJECT_PROTOCOL_ERROR,
                     fmt::format("a {} cannot connect to a gateway (only agents can)",
                                 channel::role_name(agent.role)));
  }
  if (!upstream_ || !upstream_->is_open()) {
    co_return refuse(wire::REJECT_UNSPECIFIED,
                     fmt::format("gateway {} has no connection to a management server now; the "
                                 "agent will retry",
                                 node_->config().fqdn));
  }
  const std::uint64_t id = next_query_++;
  wire::Envelope query;
  auto* q = query.mutable_admission_query();
  q->set_query_id(id);
  q->set_agent_fqdn(agent.fqdn);
  q->set_certificate_sha256(agent.certificate_sha256);
  q->set_certificate_not_after_unix(std::chrono::duration_cast<std::chrono::seconds>(
                                        agent.certificate_not_after.time_since_epoch())
                                        .count());
  for (const auto& der : agent.certificate_chain)
    q->add_certificate_chain(der);
  asio::steady_timer answered(io_, kAdmissionTimeout);
  PendingQuery pending{&answered, std::nullopt, std::nullopt};
  queries_[id] = &pending;
  upstream_->send(std::move(query));
  // At most two waits: for the server's challenge (or a refusal), then for its answer.
  bool proved = false;
  for (int round = 0; round < 2 && !pending.answer; ++round) {
    boost::system::error_code ignored;
    co_await answered.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    if (pending.answer || !pending.challenge || proved) break;
    const wire::AgentChallenge challenge = *std::exchange(pending.challenge, std::nullopt);
    proved = true;
    auto signature = co_await prove(challenge.nonce());
    if (!signature) {
      queries_.erase(id);
      co_return refuse(wire::REJECT_PROTOCOL_ERROR,
                       fmt::format("agent {} did not answer the management server's challenge: {}",
                                   agent.fqdn, signature.error().message));
    }
    if (!upstream_ || !upstream_->is_open()) break;
    upstream_->send(agent_proof(id, agent.fqdn, challenge.nonce(), std::move(*signature)));
    answered.expires_after(kAdmissionTimeout);
  }
  queries_.erase(id);
  if (!pending.answer) {
    co_return refuse(wire::REJECT_UNSPECIFIED,
                     fmt::format("the management server did not answer gateway {} about {} in "
                                 "time; the agent will retry",
                                 node_->config().fqdn, agent.fqdn));
  }
  if (pending.answer->admitted()) co_return admitted();
  co_return refuse(pending.answer->code(), pending.answer->reason());
}

// From the management server: a challenge for an agent being admitted (its query waits for it)
// or for one connected here (relayed to its session; no such agent here: nothing to relay, and
// the server sees its proof go stale).
void GatewayDaemon::on_agent_challenge(const wire::AgentChallenge& challenge) {
  if (challenge.query_id() != 0) {
    const auto it = queries_.find(challenge.query_id());
    if (it != queries_.end() && !it->second->challenge) {
      it->second->challenge = challenge;
      it->second->answered->cancel();
    }
    return;
  }
  std::shared_ptr<channel::Session> newest;
  for (const auto& agent : agents_) {
    if (agent->peer().fqdn == challenge.agent_fqdn() &&
        (!newest || agent->since() > newest->since())) {
      newest = agent;
    }
  }
  if (!newest) return;
  liveness_[newest] = LivenessChallenge{challenge.nonce(), challenge.want_chain()};
  wire::Envelope relayed;
  relayed.mutable_challenge()->set_nonce(challenge.nonce());
  newest->send(std::move(relayed));
}

// From an agent: its answer to a liveness challenge, up to the server with the chain when the
// server asked for it. An answer nobody asked for is dropped.
void GatewayDaemon::on_challenge_response(const std::shared_ptr<channel::Session>& agent,
                                          const wire::ChallengeResponse& response) {
  const auto it = liveness_.find(agent);
  if (it == liveness_.end() || it->second.nonce != response.nonce()) return;
  const bool want_chain = it->second.want_chain;
  liveness_.erase(it);
  if (!upstream_ || !upstream_->is_open()) return;
  wire::Envelope proof = agent_proof(0, agent->peer().fqdn, response.nonce(), response.signature());
  if (want_chain) {
    for (const auto& der : agent->peer().certificate_chain)
      proof.mutable_agent_proof()->add_certificate_chain(der);
  }
  upstream_->send(std::move(proof));
}

}  // namespace outpost::gateway

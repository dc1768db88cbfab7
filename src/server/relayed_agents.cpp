#include "server/relayed_agents.hpp"

#include "pki/proof.hpp"

namespace outpost::server {

std::optional<std::string> RelayedAgents::challenge(const std::string& gateway,
                                                    const std::string& agent,
                                                    std::uint64_t query_id, Key key, TimePoint now,
                                                    std::string certificate_sha256,
                                                    TimePoint certificate_not_after) {
  expire(now);
  const auto pair = std::pair{gateway, agent};
  const bool replacing = challenges_.contains(pair);
  if (!replacing && per_gateway_[gateway] >= limits_.challenges_per_gateway) return std::nullopt;
  std::string nonce = pki::make_nonce();
  std::string nonce_copy = nonce;
  challenges_[pair] = Challenge{query_id, std::move(nonce_copy),         std::move(key),
                                now,      std::move(certificate_sha256), certificate_not_after};
  if (!replacing) ++per_gateway_[gateway];
  return nonce;
}

std::optional<RelayedAgents::Challenge> RelayedAgents::take(const std::string& gateway,
                                                            const std::string& agent,
                                                            const std::string& nonce,
                                                            TimePoint now) {
  expire(now);
  const auto it = challenges_.find(std::pair{gateway, agent});
  if (it == challenges_.end() || it->second.nonce != nonce) return std::nullopt;
  Challenge found = std::move(it->second);
  challenges_.erase(it);
  if (--per_gateway_[gateway] == 0) per_gateway_.erase(gateway);
  return found;
}

bool RelayedAgents::outstanding(const std::string& gateway, const std::string& agent,
                                TimePoint now) const {
  const auto it = challenges_.find(std::pair{gateway, agent});
  return it != challenges_.end() && now - it->second.issued < limits_.challenge_lifetime;
}

void RelayedAgents::proven(const std::string& gateway, const std::string& agent, Key key,
                           TimePoint now) {
  proven_[agent] = Proof{gateway, std::move(key), now};
}

RelayedAgents::Standing RelayedAgents::standing(const std::string& gateway,
                                                const std::string& agent, TimePoint now,
                                                std::chrono::seconds fresh_for) const {
  const auto it = proven_.find(agent);
  if (it == proven_.end()) return Standing::unknown;
  const bool fresh = now - it->second.at <= fresh_for;
  if (it->second.gateway == gateway) return fresh ? Standing::proven : Standing::stale;
  return fresh ? Standing::elsewhere : Standing::unknown;
}

RelayedAgents::Key RelayedAgents::key_of(const std::string& agent) const {
  const auto it = proven_.find(agent);
  return it == proven_.end() ? nullptr : it->second.key;
}

std::vector<std::pair<std::string, std::string>> RelayedAgents::due(
    TimePoint now, std::chrono::seconds every) const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [agent, proof] : proven_) {
    if (now - proof.at >= every && !outstanding(proof.gateway, agent, now)) {
      out.emplace_back(proof.gateway, agent);
    }
  }
  return out;
}

void RelayedAgents::expire(TimePoint now) {
  std::erase_if(challenges_, [&](const auto& entry) {
    if (now - entry.second.issued < limits_.challenge_lifetime) return false;
    if (--per_gateway_[entry.first.first] == 0) per_gateway_.erase(entry.first.first);
    return true;
  });
}

void RelayedAgents::forget(const std::string& agent) {
  proven_.erase(agent);
  std::erase_if(challenges_, [&](const auto& entry) {
    if (entry.first.second != agent) return false;
    if (--per_gateway_[entry.first.first] == 0) per_gateway_.erase(entry.first.first);
    return true;
  });
}

void RelayedAgents::drop_gateway(const std::string& gateway) {
  std::erase_if(proven_, [&](const auto& entry) { return entry.second.gateway == gateway; });
  std::erase_if(challenges_, [&](const auto& entry) { return entry.first.first == gateway; });
  per_gateway_.erase(gateway);
}

}  // namespace outpost::server

// What a management server knows about the agents behind its gateways (docs/security.md,
// end-to-end authentication): the challenges it sent and not yet saw answered, and for each
// agent the gateway through which it last proved possession of its key, with that key and when.
// Heartbeats and data for an agent are taken only from the gateway holding its fresh proof.
// Pure bookkeeping, no I/O: unit-tested without sockets.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "pki/ossl.hpp"

namespace outpost::server {

struct RelayLimits {
  std::size_t challenges_per_gateway = 1024;  // outstanding at once; beyond: refused, retried
  std::chrono::seconds challenge_lifetime{30};
};

class RelayedAgents {
 public:
  using Key = std::shared_ptr<EVP_PKEY>;  // an agent's public key
  struct Challenge {
    std::uint64_t query_id = 0;  // the admission query it belongs to; 0: liveness
    std::string nonce;
    Key key;  // null when the proof must bring the chain (want_chain)
    TimePoint issued;
    std::string certificate_sha256;  // of the verified chain's first certificate, when known
    TimePoint certificate_not_after;
  };
  enum class Standing {
    proven,     // through this gateway, and fresh
    stale,      // through this gateway, but no fresh proof
    elsewhere,  // fresh through another gateway
    unknown,    // never proven (or forgotten)
  };

  explicit RelayedAgents(RelayLimits limits = {}) : limits_(limits) {}

  // A new single-use challenge for `agent` through `gateway`, replacing the pair's outstanding
  // one; nullopt when the gateway already has its limit of challenges outstanding.
  [[nodiscard]] std::optional<std::string> challenge(const std::string& gateway,
                                                     const std::string& agent,
                                                     std::uint64_t query_id, Key key, TimePoint now,
                                                     std::string certificate_sha256 = {},
                                                     TimePoint certificate_not_after = {});
  // The outstanding challenge a proof answers, consumed; nullopt when there is none (expired,
  // answered already, another nonce, another gateway).
  [[nodiscard]] std::optional<Challenge> take(const std::string& gateway, const std::string& agent,
                                              const std::string& nonce, TimePoint now);
  [[nodiscard]] bool outstanding(const std::string& gateway, const std::string& agent,
                                 TimePoint now) const;

  void proven(const std::string& gateway, const std::string& agent, Key key, TimePoint now);
  [[nodiscard]] Standing standing(const std::string& gateway, const std::string& agent,
                                  TimePoint now, std::chrono::seconds fresh_for) const;
  [[nodiscard]] Key key_of(const std::string& agent) const;

  // (gateway, agent) pairs whose last proof is older than `every`, with no challenge out.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> due(
      TimePoint now, std::chrono::seconds every) const;
  // Drops expired challenges.
  void expire(TimePoint now);

  void forget(const std::string& agent);          // its admission was withdrawn
  void drop_gateway(const std::string& gateway);  // its session closed
  [[nodiscard]] std::size_t proven_count() const { return proven_.size(); }

 private:
  struct Proof {
    std::string gateway;
    Key key;
    TimePoint at;
  };
  RelayLimits limits_;
  std::map<std::pair<std::string, std::string>, Challenge> challenges_;  // (gateway, agent)
  std::map<std::string, std::size_t> per_gateway_;
  std::map<std::string, Proof> proven_;  // by agent
};

}  // namespace outpost::server

// The load generator's agent certificates: N computer certificates (EC P-256, the CA's computer
// profile) for a000000.load.test, a000001.load.test, ..., issued in bulk by the bench CA and
// kept in a cache folder between runs, 1,000 per file, so that a run of 100,000 agents pays the
// signing once.
//
//   CACHE/ca/                the bench CA (outpost ca init layout; created when missing)
//   CACHE/agents-NNNN.pem    agents NNNN*1000 .. NNNN*1000+999: key then certificate, in order
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "pki/certificate.hpp"
#include "pki/ossl.hpp"

namespace outpost::bench {

struct AgentCredential {
  std::string fqdn;
  pki::KeyPtr key;
  pki::X509Ptr certificate;
};

struct Credentials {
  pki::X509Ptr ca;  // the bench CA's root, the agents' (and the gateway's) trust anchor
  std::vector<AgentCredential> agents;
  std::size_t issued_now = 0;  // how many were signed in this run (the rest came from the cache)
};

[[nodiscard]] std::string agent_fqdn(std::size_t index);

// Opens (or creates) the bench CA in CACHE/ca and returns the first `count` agents' keys and
// certificates, issuing and caching the missing ones. `progress` is told how many are ready.
[[nodiscard]] Result<Credentials> load_or_issue(const std::filesystem::path& cache,
                                                std::size_t count,
                                                const std::function<void(std::size_t)>& progress);

}  // namespace outpost::bench

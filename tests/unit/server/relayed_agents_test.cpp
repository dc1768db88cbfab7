#include "server/relayed_agents.hpp"

#include <gtest/gtest.h>

namespace outpost::server {
namespace {

using namespace std::chrono_literals;
using Standing = RelayedAgents::Standing;

const TimePoint t0 = Clock::now();
constexpr auto kFresh = 135s;

TEST(RelayedAgents, AChallengeIsSingleUseAndBoundToItsGatewayAndAgent) {
  RelayedAgents relayed;
  auto nonce = relayed.challenge("gw1", "a1", 7, nullptr, t0);
  ASSERT_TRUE(nonce);
  EXPECT_TRUE(relayed.outstanding("gw1", "a1", t0));
  EXPECT_FALSE(relayed.take("gw2", "a1", *nonce, t0));  // another gateway
  EXPECT_FALSE(relayed.take("gw1", "a2", *nonce, t0));  // another agent
  EXPECT_FALSE(relayed.take("gw1", "a1", "guess", t0));
  auto taken = relayed.take("gw1", "a1", *nonce, t0);
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->query_id, 7u);
  EXPECT_FALSE(relayed.take("gw1", "a1", *nonce, t0));  // replayed
}

TEST(RelayedAgents, ANewChallengeReplacesTheOutstandingOneAndChallengesExpire) {
  RelayedAgents relayed(RelayLimits{4, 30s});
  auto first = relayed.challenge("gw1", "a1", 1, nullptr, t0);
  auto second = relayed.challenge("gw1", "a1", 2, nullptr, t0);
  ASSERT_TRUE(first && second);
  EXPECT_FALSE(relayed.take("gw1", "a1", *first, t0));
  auto late = relayed.challenge("gw1", "a2", 3, nullptr, t0);
  ASSERT_TRUE(late);
  EXPECT_FALSE(relayed.take("gw1", "a2", *late, t0 + 31s));
  EXPECT_FALSE(relayed.outstanding("gw1", "a1", t0 + 31s));
}

TEST(RelayedAgents, EachGatewayHasABoundedNumberOfChallengesOutstanding) {
  RelayedAgents relayed(RelayLimits{3, 30s});
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(relayed.challenge("gw1", "a" + std::to_string(i), 1, nullptr, t0));
  }
  EXPECT_FALSE(relayed.challenge("gw1", "a9", 1, nullptr, t0));
  EXPECT_TRUE(relayed.challenge("gw2", "a9", 1, nullptr, t0));        // another gateway's share
  EXPECT_TRUE(relayed.challenge("gw1", "a0", 1, nullptr, t0));        // replacing is allowed
  EXPECT_TRUE(relayed.challenge("gw1", "a9", 1, nullptr, t0 + 31s));  // the rest expired
}

TEST(RelayedAgents, OnlyTheGatewayHoldingAFreshProofMayRelay) {
  RelayedAgents relayed;
  EXPECT_EQ(relayed.standing("gw1", "a1", t0, kFresh), Standing::unknown);
  relayed.proven("gw1", "a1", nullptr, t0);
  EXPECT_EQ(relayed.standing("gw1", "a1", t0 + 10s, kFresh), Standing::proven);
  EXPECT_EQ(relayed.standing("gw2", "a1", t0 + 10s, kFresh), Standing::elsewhere);
  // A dead agent is not kept alive by its gateway: without new proofs it goes stale.
  EXPECT_EQ(relayed.standing("gw1", "a1", t0 + 136s, kFresh), Standing::stale);
  EXPECT_EQ(relayed.standing("gw2", "a1", t0 + 136s, kFresh), Standing::unknown);
  relayed.proven("gw2", "a1", nullptr, t0 + 140s);  // the agent moved
  EXPECT_EQ(relayed.standing("gw2", "a1", t0 + 141s, kFresh), Standing::proven);
  EXPECT_EQ(relayed.standing("gw1", "a1", t0 + 141s, kFresh), Standing::elsewhere);
}

TEST(RelayedAgents, ProofsFallDueEveryIntervalUnlessAChallengeIsOut) {
  RelayedAgents relayed;
  relayed.proven("gw1", "a1", nullptr, t0);
  relayed.proven("gw1", "a2", nullptr, t0 + 50s);
  auto due = relayed.due(t0 + 60s, 60s);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0], (std::pair<std::string, std::string>{"gw1", "a1"}));
  ASSERT_TRUE(relayed.challenge("gw1", "a1", 0, nullptr, t0 + 60s));
  EXPECT_TRUE(relayed.due(t0 + 61s, 60s).empty());
}

TEST(RelayedAgents, ForgettingAnAgentOrDroppingAGatewayEndsTheirProofs) {
  RelayedAgents relayed;
  relayed.proven("gw1", "a1", nullptr, t0);
  relayed.proven("gw1", "a2", nullptr, t0);
  relayed.proven("gw2", "a3", nullptr, t0);
  auto nonce = relayed.challenge("gw1", "a2", 0, nullptr, t0);
  relayed.forget("a1");
  EXPECT_EQ(relayed.standing("gw1", "a1", t0, kFresh), Standing::unknown);
  relayed.drop_gateway("gw1");
  EXPECT_EQ(relayed.standing("gw1", "a2", t0, kFresh), Standing::unknown);
  EXPECT_FALSE(relayed.take("gw1", "a2", *nonce, t0));
  EXPECT_EQ(relayed.standing("gw2", "a3", t0, kFresh), Standing::proven);
  EXPECT_EQ(relayed.proven_count(), 1u);
}

}  // namespace
}  // namespace outpost::server

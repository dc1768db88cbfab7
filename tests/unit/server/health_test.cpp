#include "server/health.hpp"

#include <gtest/gtest.h>

namespace outpost::server {
namespace {

using storage::Approval;
using storage::Computer;
using storage::Role;

const TimePoint kNow = Clock::now();
const HeartbeatPolicy kPolicy{10, 2};  // silent for more than 30 s: heartbeat_failure

Computer computer(std::string fqdn, Role role, std::string parent, std::chrono::seconds ago) {
  Computer c;
  c.fqdn = std::move(fqdn);
  c.role = role;
  c.approval = Approval::approved;
  c.parent = std::move(parent);
  c.last_heartbeat = kNow - ago;
  return c;
}

TEST(Health, FreshHeartbeatsAreHealthyAndOldOnesAFailure) {
  const auto h = health_of_all({computer("gw1", Role::gateway, "ms1", std::chrono::seconds(5)),
                                computer("a1", Role::agent, "gw1", std::chrono::seconds(31))},
                               kPolicy, kNow);
  EXPECT_EQ(h.at("gw1"), Health::healthy);
  EXPECT_EQ(h.at("a1"), Health::heartbeat_failure);
}

// A gateway that said goodbye (no parent, heartbeat kept) is down at once, and the agents whose
// heartbeats came through it are unreachable at once, though their last heartbeats are fresh.
TEST(Health, AStoppedGatewayIsDownAndItsAgentsUnreachableAtOnce) {
  const auto h =
      health_of_all({computer("ms1", Role::management_server, "", std::chrono::seconds(1)),
                     computer("gw1", Role::gateway, "", std::chrono::seconds(1)),
                     computer("a1", Role::agent, "gw1", std::chrono::seconds(1)),
                     computer("a2", Role::agent, "gw2", std::chrono::seconds(1)),
                     computer("gw2", Role::gateway, "ms1", std::chrono::seconds(1)),
                     computer("a3", Role::agent, "", std::chrono::seconds(1))},
                    kPolicy, kNow);
  EXPECT_EQ(h.at("ms1"), Health::healthy);  // a server's row has no parent
  EXPECT_EQ(h.at("gw1"), Health::heartbeat_failure);
  EXPECT_EQ(h.at("a1"), Health::unreachable);
  EXPECT_EQ(h.at("a2"), Health::healthy);
  EXPECT_EQ(h.at("gw2"), Health::healthy);
  EXPECT_EQ(h.at("a3"), Health::heartbeat_failure);  // an agent that said goodbye itself
}

// A gateway that timed out (no goodbye) takes its agents with it even if their last heartbeats
// still look recent: what is down is the gateway.
TEST(Health, AgentsOfATimedOutGatewayAreUnreachable) {
  const auto h = health_of_all({computer("gw1", Role::gateway, "ms1", std::chrono::seconds(40)),
                                computer("a1", Role::agent, "gw1", std::chrono::seconds(20)),
                                computer("a2", Role::agent, "gw1", std::chrono::seconds(40))},
                               kPolicy, kNow);
  EXPECT_EQ(h.at("gw1"), Health::heartbeat_failure);
  EXPECT_EQ(h.at("a1"), Health::unreachable);
  EXPECT_EQ(h.at("a2"), Health::unreachable);
}

// An agent directly on a server whose row is stale stays healthy while its own heartbeats arrive
// (only a gateway's failure makes fresh agents unreachable); stale, it is unreachable.
TEST(Health, AgentsOfAStaleServerAreUnreachableOnlyWhenStaleThemselves) {
  const auto h =
      health_of_all({computer("ms1", Role::management_server, "", std::chrono::seconds(60)),
                     computer("a1", Role::agent, "ms1", std::chrono::seconds(1)),
                     computer("a2", Role::agent, "ms1", std::chrono::seconds(60))},
                    kPolicy, kNow);
  EXPECT_EQ(h.at("a1"), Health::healthy);
  EXPECT_EQ(h.at("a2"), Health::unreachable);
}

}  // namespace
}  // namespace outpost::server

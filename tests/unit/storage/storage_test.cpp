// The Storage interface against every backend under test (test_database.hpp): SQLite always,
// PostgreSQL when OUTPOST_TEST_PG_URL names a server. Each test gets a fresh, empty database.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "storage/storage.hpp"
#include "storage_fixture.hpp"

namespace outpost::storage {
namespace {

using test::Backend;
using test::StorageTest;
using test::TestDatabase;

TEST_P(StorageTest, MigratesOnceAndReopens) {
  auto db = open();
  ASSERT_TRUE(db);
  EXPECT_EQ(db->schema_version().value(), 9);  // the number of migrations
  db.reset();
  auto again = open();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->schema_version().value(), 9);  // the number of migrations
}

TEST_P(StorageTest, GatewayApprovalIsPersistedAndRemovable) {
  auto db = open();
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->approve_gateway("gw1.lab.test", true, "127.0.0.2:5723"));
  db.reset();
  auto reopened = open();
  ASSERT_TRUE(reopened);
  auto gw = reopened->computer("gw1.lab.test");
  ASSERT_TRUE(gw && *gw);
  EXPECT_EQ((*gw)->role, Role::gateway);
  EXPECT_EQ((*gw)->approval, Approval::approved);
  EXPECT_TRUE((*gw)->server_initiates);
  EXPECT_EQ((*gw)->address, "127.0.0.2:5723");
  ASSERT_TRUE(reopened->approve_gateway("gw1.lab.test", false, ""));  // re-approval updates
  EXPECT_FALSE(reopened->computer("gw1.lab.test").value()->server_initiates);
  ASSERT_TRUE(reopened->agent_seen("a1.lab.test", AgentPolicy::automatic, Clock::now()));
  EXPECT_FALSE(reopened->remove_gateway("a1.lab.test").value());  // not a gateway: untouched
  EXPECT_TRUE(reopened->computer("a1.lab.test").value());
  EXPECT_TRUE(reopened->remove_gateway("gw1.lab.test").value());
  EXPECT_FALSE(reopened->remove_gateway("gw1.lab.test").value());
  EXPECT_FALSE(reopened->computer("gw1.lab.test").value());
}

TEST_P(StorageTest, AGatewayIsBoundToTheFirstKeyUntilRebindOrRemoval) {
  auto db = open();
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->approve_gateway("gw1.lab.test", false, ""));
  auto first = db->bind_gateway_key("gw1.lab.test", "k1", Clock::now());
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->bound_now);
  EXPECT_EQ(first->key_sha256, "k1");
  auto second = db->bind_gateway_key("gw1.lab.test", "k2", Clock::now());  // first one wins
  ASSERT_TRUE(second);
  EXPECT_FALSE(second->bound_now);
  EXPECT_EQ(second->key_sha256, "k1");
  EXPECT_TRUE(db->unbind_gateway_key("gw1.lab.test").value());
  EXPECT_FALSE(db->unbind_gateway_key("gw1.lab.test").value());
  EXPECT_EQ(db->bind_gateway_key("gw1.lab.test", "k2", Clock::now()).value().key_sha256, "k2");
  ASSERT_TRUE(db->remove_gateway("gw1.lab.test").value());  // removal forgets the key too
  ASSERT_TRUE(db->approve_gateway("gw1.lab.test", false, ""));
  EXPECT_TRUE(db->bind_gateway_key("gw1.lab.test", "k3", Clock::now()).value().bound_now);
}

// outpost agent forget: a pending or rejected agent's row goes (any stored name, even one that is
// not a host name); an approved agent, a gateway and a management server stay.
TEST_P(StorageTest, ForgetDeletesOnlyPendingOrRejectedAgents) {
  auto db = open();
  ASSERT_TRUE(db);
  const TimePoint now = Clock::now();
  ASSERT_TRUE(db->agent_seen("pending.lab.test", AgentPolicy::review, now));
  ASSERT_TRUE(db->agent_seen("rejected.lab.test", AgentPolicy::reject, now));
  ASSERT_TRUE(db->agent_seen("approved.lab.test", AgentPolicy::automatic, now));
  ASSERT_TRUE(db->agent_seen("not a name!", AgentPolicy::review, now));
  ASSERT_TRUE(db->approve_gateway("gw1.lab.test", false, ""));
  ASSERT_TRUE(db->register_management_server("ms1.lab.test", "", now, now));
  EXPECT_TRUE(db->forget_agent("pending.lab.test").value());
  EXPECT_TRUE(db->forget_agent("rejected.lab.test").value());
  EXPECT_TRUE(db->forget_agent("not a name!").value());
  EXPECT_FALSE(db->forget_agent("pending.lab.test").value());  // already gone
  EXPECT_FALSE(db->forget_agent("approved.lab.test").value());
  EXPECT_FALSE(db->forget_agent("gw1.lab.test").value());
  EXPECT_FALSE(db->forget_agent("ms1.lab.test").value());
  const auto all = db->computers();
  ASSERT_TRUE(all);
  std::vector<std::string> left;
  for (const auto& c : *all)
    left.push_back(c.fqdn);
  EXPECT_EQ(left, (std::vector<std::string>{"approved.lab.test", "gw1.lab.test", "ms1.lab.test"}));
}

TEST_P(StorageTest, AgentPolicyDecidesOnFirstSightOnly) {
  auto db = open();
  ASSERT_TRUE(db);
  const TimePoint now = Clock::now();
  EXPECT_EQ(db->agent_seen("a1.lab.test", AgentPolicy::reject, now).value(), Approval::rejected);
  EXPECT_EQ(db->agent_seen("a2.lab.test", AgentPolicy::review, now).value(), Approval::pending);
  EXPECT_EQ(db->agent_seen("a3.lab.test", AgentPolicy::automatic, now).value(), Approval::approved);
  // A later policy does not rewrite an earlier decision; an operator does.
  EXPECT_EQ(db->agent_seen("a2.lab.test", AgentPolicy::automatic, now).value(), Approval::pending);
  EXPECT_TRUE(db->set_agent_approval("a2.lab.test", Approval::approved).value());
  EXPECT_EQ(db->agent_seen("a2.lab.test", AgentPolicy::reject, now).value(), Approval::approved);
  EXPECT_FALSE(db->set_agent_approval("nobody.lab.test", Approval::approved).value());
  ASSERT_TRUE(db->approve_gateway("gw1.lab.test", false, ""));
  EXPECT_FALSE(db->set_agent_approval("gw1.lab.test", Approval::rejected).value());
  const auto first = db->computer("a1.lab.test").value();
  ASSERT_TRUE(first);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(first->first_seen - now).count(),
            0);
}

TEST_P(StorageTest, HeartbeatUpdatesTheInventory) {
  auto db = open();
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->agent_seen("a1.lab.test", AgentPolicy::automatic, Clock::now()));
  const TimePoint at = Clock::now();
  const TimePoint not_after = at + std::chrono::days(300);
  ASSERT_TRUE(db->record_heartbeat("a1.lab.test", "gw1.lab.test", at, "abcd", not_after));
  auto list = db->computers();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1U);
  const Computer& c = list->front();
  EXPECT_EQ(c.parent, "gw1.lab.test");
  ASSERT_TRUE(c.last_heartbeat);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(*c.last_heartbeat - at).count(),
            0);
  EXPECT_EQ(c.certificate_sha256, "abcd");
  ASSERT_TRUE(c.certificate_not_after);
  EXPECT_LT(std::chrono::abs(*c.certificate_not_after - not_after), std::chrono::seconds(1));
  // A relayed heartbeat carries no certificate: the recorded one stays.
  ASSERT_TRUE(db->record_heartbeat("a1.lab.test", "ms1.lab.test", at, "", TimePoint{}));
  const auto kept = db->computer("a1.lab.test").value();
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->parent, "ms1.lab.test");
  EXPECT_EQ(kept->certificate_sha256, "abcd");
  EXPECT_TRUE(kept->certificate_not_after);
  auto unknown = db->record_heartbeat("ghost.lab.test", "", at, "", not_after);
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("not a known computer"), std::string::npos);
}

// A goodbye through the node the last heartbeat came through ends the connection in the
// inventory; one through another node (the agent moved since) changes nothing.
TEST_P(StorageTest, AGoodbyeClearsTheParentItCameThrough) {
  auto db = open();
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->agent_seen("a1.lab.test", AgentPolicy::automatic, Clock::now()));
  ASSERT_TRUE(db->record_heartbeat("a1.lab.test", "gw2.lab.test", Clock::now(), "", TimePoint{}));
  ASSERT_TRUE(db->record_goodbye("a1.lab.test", "gw1.lab.test"));
  EXPECT_EQ(db->computer("a1.lab.test").value()->parent, "gw2.lab.test");
  ASSERT_TRUE(db->record_goodbye("a1.lab.test", "gw2.lab.test"));
  const auto gone = db->computer("a1.lab.test").value();
  EXPECT_EQ(gone->parent, "");
  EXPECT_TRUE(gone->last_heartbeat);  // kept: when it was last heard of
  EXPECT_TRUE(db->record_goodbye("ghost.lab.test", "gw1.lab.test"));  // nothing to change
}

TEST_P(StorageTest, ManagementServerRegistersItselfAndTheListIsSorted) {
  auto db = open();
  ASSERT_TRUE(db);
  const TimePoint now = Clock::now();
  ASSERT_TRUE(
      db->register_management_server("ms1.lab.test", "ff00", now + std::chrono::days(9), now));
  ASSERT_TRUE(db->register_management_server("ms1.lab.test", "ff01", now + std::chrono::days(9),
                                             now));  // a restart updates, never duplicates
  ASSERT_TRUE(db->agent_seen("a-b.lab.test", AgentPolicy::review, now));
  ASSERT_TRUE(db->agent_seen("a.lab.test", AgentPolicy::review, now));
  auto list = db->computers().value();
  ASSERT_EQ(list.size(), 3U);
  EXPECT_EQ(list[0].fqdn, "a-b.lab.test");  // byte order: '-' before '.'
  EXPECT_EQ(list[1].fqdn, "a.lab.test");
  EXPECT_EQ(list[2].role, Role::management_server);
  EXPECT_EQ(list[2].approval, Approval::approved);
  EXPECT_EQ(list[2].certificate_sha256, "ff01");
  ASSERT_TRUE(list[2].last_heartbeat);
}

TEST_P(StorageTest, NewerSchemaIsRefused) {
  ASSERT_TRUE(open());
  db_->exec("INSERT INTO schema_migrations VALUES (99, 'future', 'x')");
  auto refused = open_storage(db_->url());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("schema version 99, newer than this outpost"),
            std::string::npos)
      << refused.error().message;
  EXPECT_EQ(refused.error().event, EventId::database_error);
}

// Several management servers (and admin commands) share one database.
TEST_P(StorageTest, TwoStoragesSeeEachOthersWrites) {
  auto one = open();
  auto two = open();
  ASSERT_TRUE(one && two);
  ASSERT_TRUE(one->approve_gateway("gw1.lab.test", false, ""));
  auto seen = two->computer("gw1.lab.test");
  ASSERT_TRUE(seen && *seen);
  EXPECT_EQ((*seen)->approval, Approval::approved);
  EXPECT_EQ(two->agent_seen("a1.lab.test", AgentPolicy::review, Clock::now()).value(),
            Approval::pending);
  EXPECT_TRUE(one->set_agent_approval("a1.lab.test", Approval::approved).value());
  EXPECT_EQ(two->agent_seen("a1.lab.test", AgentPolicy::reject, Clock::now()).value(),
            Approval::approved);
  EXPECT_TRUE(two->remove_gateway("gw1.lab.test").value());
  EXPECT_FALSE(one->computer("gw1.lab.test").value());
}

// Servers starting together on a new database: one migrates, every open succeeds.
TEST_P(StorageTest, ConcurrentFirstOpensAllSucceed) {
  constexpr int kOpens = 8;
  std::vector<std::optional<Result<std::unique_ptr<Storage>>>> opened(kOpens);
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < kOpens; ++i)
      threads.emplace_back(
          [&, i] { opened[static_cast<std::size_t>(i)] = open_storage(db_->url()); });
  }
  for (auto& result : opened) {
    ASSERT_TRUE(result);
    ASSERT_TRUE(*result) << result->error().describe();
    EXPECT_EQ((**result)->schema_version().value(), 9);  // the number of migrations
  }
}

// Servers seeing the same new agent together agree on one row and one decision.
TEST_P(StorageTest, ConcurrentFirstSightsAgree) {
  constexpr int kServers = 4;
  std::vector<std::unique_ptr<Storage>> servers;
  for (int i = 0; i < kServers; ++i)
    servers.push_back(open());
  ASSERT_TRUE(std::ranges::all_of(servers, [](const auto& s) { return s != nullptr; }));
  std::vector<Result<Approval>> decided(kServers, fail("not run"));
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < kServers; ++i) {
      threads.emplace_back([&, i] {
        const auto policy = i % 2 == 0 ? AgentPolicy::automatic : AgentPolicy::reject;
        const auto n = static_cast<std::size_t>(i);
        decided[n] = servers[n]->agent_seen("new.lab.test", policy, Clock::now());
      });
    }
  }
  for (const auto& d : decided) {
    ASSERT_TRUE(d) << d.error().describe();
    EXPECT_EQ(*d, *decided.front());
  }
  EXPECT_EQ(servers.front()->computers().value().size(), 1U);
}

std::string name_of(const ::testing::TestParamInfo<Backend>& info) {
  return test::backend_name(info.param);
}
INSTANTIATE_TEST_SUITE_P(Backends, StorageTest, ::testing::ValuesIn(test::backends_under_test()),
                         name_of);

TEST(StorageUrl, BadUrlsAreExplained) {
  EXPECT_NE(open_storage("sqlite://relative.db").error().message.find("absolute path"),
            std::string::npos);
  const auto unknown = open_storage("mysql://ops:s3cret@db/x");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("unknown scheme"), std::string::npos);
  EXPECT_EQ(unknown.error().describe().find("s3cret"), std::string::npos);
}

}  // namespace
}  // namespace outpost::storage

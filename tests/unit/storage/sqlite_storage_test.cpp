// The SQLite backend against a real database file in a temporary folder.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "storage/storage.hpp"

namespace outpost::storage {
namespace {

class SqliteStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "outpost-db-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string url() const { return "sqlite://" + (dir_ / "operations.db").string(); }
  std::unique_ptr<Storage> open() {
    auto storage = open_storage(url());
    EXPECT_TRUE(storage) << (storage ? "" : storage.error().describe());
    return storage ? std::move(*storage) : nullptr;
  }

  std::filesystem::path dir_;
};

TEST_F(SqliteStorageTest, MigratesOnceAndReopens) {
  auto db = open();
  ASSERT_TRUE(db);
  EXPECT_EQ(db->schema_version().value(), 1);
  db.reset();
  auto again = open();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->schema_version().value(), 1);
}

TEST_F(SqliteStorageTest, GatewayApprovalIsPersistedAndRemovable) {
  auto db = open();
  ASSERT_TRUE(db->approve_gateway("gw1.lab.test", true, "127.0.0.2:5723"));
  db.reset();
  auto reopened = open();
  auto gw = reopened->computer("gw1.lab.test");
  ASSERT_TRUE(gw && *gw);
  EXPECT_EQ((*gw)->role, Role::gateway);
  EXPECT_EQ((*gw)->approval, Approval::approved);
  EXPECT_TRUE((*gw)->server_initiates);
  EXPECT_EQ((*gw)->address, "127.0.0.2:5723");
  ASSERT_TRUE(reopened->agent_seen("a1.lab.test", AgentPolicy::automatic, Clock::now()));
  EXPECT_FALSE(reopened->remove_gateway("a1.lab.test").value());  // not a gateway: untouched
  EXPECT_TRUE(reopened->computer("a1.lab.test").value());
  EXPECT_TRUE(reopened->remove_gateway("gw1.lab.test").value());
  EXPECT_FALSE(reopened->remove_gateway("gw1.lab.test").value());
  EXPECT_FALSE(reopened->computer("gw1.lab.test").value());
}

TEST_F(SqliteStorageTest, AgentPolicyDecidesOnFirstSightOnly) {
  auto db = open();
  const TimePoint now = Clock::now();
  EXPECT_EQ(db->agent_seen("a1.lab.test", AgentPolicy::reject, now).value(), Approval::rejected);
  EXPECT_EQ(db->agent_seen("a2.lab.test", AgentPolicy::review, now).value(), Approval::pending);
  EXPECT_EQ(db->agent_seen("a3.lab.test", AgentPolicy::automatic, now).value(), Approval::approved);
  // A later policy does not rewrite an earlier decision; an operator does.
  EXPECT_EQ(db->agent_seen("a2.lab.test", AgentPolicy::automatic, now).value(), Approval::pending);
  EXPECT_TRUE(db->set_agent_approval("a2.lab.test", Approval::approved).value());
  EXPECT_EQ(db->agent_seen("a2.lab.test", AgentPolicy::reject, now).value(), Approval::approved);
  EXPECT_FALSE(db->set_agent_approval("nobody.lab.test", Approval::approved).value());
}

TEST_F(SqliteStorageTest, HeartbeatUpdatesTheInventory) {
  auto db = open();
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
  auto unknown = db->record_heartbeat("ghost.lab.test", "", at, "", not_after);
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("not a known computer"), std::string::npos);
}

TEST_F(SqliteStorageTest, NewerSchemaIsRefused) {
  ASSERT_TRUE(open());
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "operations.db").c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "INSERT INTO schema_migrations VALUES (99, 'future', 'x')", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  auto refused = open_storage(url());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("schema version 99, newer than this outpost"),
            std::string::npos)
      << refused.error().message;
}

TEST_F(SqliteStorageTest, GarbageFileIsAClearError) {
  {
    std::ofstream out(dir_ / "operations.db");
    out << std::string(8192, 'x');
  }
  auto refused = open_storage(url());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find(dir_.string()), std::string::npos);
}

TEST(StorageUrl, BadUrlsAreExplained) {
  EXPECT_NE(open_storage("sqlite://relative.db").error().message.find("absolute path"),
            std::string::npos);
  EXPECT_NE(open_storage("postgresql://x@127.0.0.1/db").error().message.find("not built yet"),
            std::string::npos);
  EXPECT_NE(open_storage("mysql://x").error().message.find("unknown scheme"), std::string::npos);
}

}  // namespace
}  // namespace outpost::storage

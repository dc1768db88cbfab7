// The inventory cache the monitoring reads answer from: worst first, counts, a row by name, at
// most one build per max_age, and a change through the API drops it.
#include "web/inventory_cache.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

namespace outpost::web {
namespace {

using nlohmann::json;

class InventoryCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("outpost-inventory-cache-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    auto db = storage::open_storage("sqlite://" + (dir_ / "operations.db").string());
    ASSERT_TRUE(db) << db.error().describe();
    db_ = std::move(*db);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Answers `rows` and counts its builds.
  InventoryCache::Build counting_build() {
    return [this](storage::Storage&) -> Result<json> {
      ++builds_;
      return rows_;
    };
  }

  std::filesystem::path dir_;
  std::unique_ptr<storage::Storage> db_;
  json rows_ = json::array({
      {{"fqdn", "b.lab.test"}, {"role", "agent"}, {"health", "healthy"}},
      {{"fqdn", "c.lab.test"}, {"role", "agent"}, {"health", "critical"}},
      {{"fqdn", "a.lab.test"}, {"role", "agent"}, {"health", "healthy"}},
      {{"fqdn", "ms1.lab.test"}, {"role", "management_server"}, {"health", "warning"}},
      {{"fqdn", "x.lab.test"}, {"role", "agent"}, {"health", "some-new-state"}},
  });
  int builds_ = 0;
};

TEST_F(InventoryCacheTest, RowsAreWorstFirstThenByNameWithCountsAndAnIndex) {
  InventoryCache cache(counting_build(), std::chrono::hours(1));
  auto got = cache.get(*db_);
  ASSERT_TRUE(got);
  const auto& s = **got;
  std::vector<std::string> order;
  for (const auto& row : s.rows)
    order.push_back(row["fqdn"]);
  EXPECT_EQ(order, (std::vector<std::string>{"c.lab.test", "ms1.lab.test", "x.lab.test",
                                             "a.lab.test", "b.lab.test"}));
  ASSERT_EQ(s.keys.size(), 5u);
  EXPECT_EQ(s.keys[1].role, "management_server");
  EXPECT_EQ(s.keys[2].health, "some-new-state");  // ranked with unknown
  EXPECT_EQ(s.counts["healthy"], 2);
  EXPECT_EQ(s.counts["critical"], 1);
  ASSERT_TRUE(s.by_fqdn.contains("b.lab.test"));
  EXPECT_EQ(s.rows[s.by_fqdn.at("b.lab.test")]["fqdn"], "b.lab.test");
}

TEST_F(InventoryCacheTest, OneBuildServesUntilMaxAgeOrAChange) {
  InventoryCache cache(counting_build(), std::chrono::hours(1));
  ASSERT_TRUE(cache.get(*db_));
  ASSERT_TRUE(cache.get(*db_));
  EXPECT_EQ(builds_, 1);
  rows_.push_back({{"fqdn", "d.lab.test"}, {"role", "agent"}, {"health", "healthy"}});
  cache.invalidate();
  auto after = cache.get(*db_);
  ASSERT_TRUE(after);
  EXPECT_EQ(builds_, 2);
  EXPECT_TRUE((*after)->by_fqdn.contains("d.lab.test"));

  InventoryCache short_lived(counting_build(), std::chrono::milliseconds(1));
  ASSERT_TRUE(short_lived.get(*db_));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(short_lived.get(*db_));
  EXPECT_EQ(builds_, 4);
}

TEST_F(InventoryCacheTest, AFailedBuildIsAnsweredAndNotKept) {
  bool fail_next = true;
  InventoryCache cache(
      [&](storage::Storage&) -> Result<json> {
        ++builds_;
        if (fail_next) return fail("the database is gone", "start it", EventId::database_error);
        return rows_;
      },
      std::chrono::hours(1));
  auto failed = cache.get(*db_);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().message, "the database is gone");
  fail_next = false;
  auto ok = cache.get(*db_);
  ASSERT_TRUE(ok);
  EXPECT_EQ((*ok)->rows.size(), 5u);
  EXPECT_EQ(builds_, 2);
}

}  // namespace
}  // namespace outpost::web

// The inventory cache the monitoring reads answer from: worst first, counts, a row by name, at
// most one build per max_age, and a change through the API drops it.
#include "web/inventory_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <mutex>
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

TEST_F(InventoryCacheTest, AChangeDuringABuildIsNeverAnsweredFromTheOldRows) {
  // A build that waits until the test lets it go, made by the refresh thread's stand-in; the
  // change comes while it runs.
  std::promise<void> started;
  std::promise<void> go;
  std::shared_future<void> released = go.get_future().share();
  std::atomic<int> builds{0};
  json rows = rows_;
  std::mutex rows_mutex;
  InventoryCache cache(
      [&](storage::Storage&) -> Result<json> {
        json copy;
        {
          const std::scoped_lock lock(rows_mutex);
          copy = rows;
        }
        if (++builds == 2) {  // the refresh's build: hold it
          started.set_value();
          released.wait();
        }
        return copy;
      },
      std::chrono::milliseconds(1));
  ASSERT_TRUE(cache.get(*db_));  // build 1, and a read: the refresh is due once it expires
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto second_db = storage::open_storage("sqlite://" + (dir_ / "operations.db").string());
  ASSERT_TRUE(second_db);
  std::thread refresher([&] { cache.refresh(**second_db, std::chrono::hours(1)); });
  started.get_future().wait();  // build 2 runs with the old rows
  {
    const std::scoped_lock lock(rows_mutex);
    rows.push_back({{"fqdn", "new.lab.test"}, {"role", "agent"}, {"health", "healthy"}});
  }
  cache.invalidate();  // the change is done
  std::thread reader([&] {
    auto got = cache.get(*db_);  // waits for build 2, then builds 3 with the new rows
    ASSERT_TRUE(got);
    EXPECT_TRUE((*got)->by_fqdn.contains("new.lab.test"));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  go.set_value();
  refresher.join();
  reader.join();
  EXPECT_EQ(builds, 3);  // the reader did not take build 2's rows: it built its own
}

}  // namespace
}  // namespace outpost::web

// What only the SQLite backend has: a file that may be damaged.
#include <gtest/gtest.h>

#include <fstream>

#include "storage/storage.hpp"
#include "test_database.hpp"

namespace outpost::storage {
namespace {

TEST(SqliteStorage, GarbageFileIsAClearError) {
  auto db = test::TestDatabase::create(test::Backend::sqlite);
  const std::string path = db->url().substr(std::string("sqlite://").size());
  {
    std::ofstream out(path);
    out << std::string(8192, 'x');
  }
  auto refused = open_storage(db->url());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find(path), std::string::npos) << refused.error().message;
}

}  // namespace
}  // namespace outpost::storage

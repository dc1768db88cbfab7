// What only the SQLite backend has: a file that may be damaged.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>
#include <vector>

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

unsigned mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777U;
}

// Issue 11, finding 6: the database and its -wal/-shm files are owner-only, whatever the umask.
TEST(SqliteStorage, DatabaseFilesAreOwnerOnly) {
  auto db = test::TestDatabase::create(test::Backend::sqlite);
  const std::string path = db->url().substr(std::string("sqlite://").size());
  const mode_t old_mask = ::umask(0022);
  {
    auto opened = open_storage(db->url());
    ASSERT_TRUE(opened) << opened.error().describe();
    ASSERT_TRUE((*opened)->approve_gateway("gw1.lab.test", false, ""));
    for (const char* suffix : {"", "-wal", "-shm"}) {
      EXPECT_EQ(mode_of(path + suffix), 0600U) << suffix;
    }
  }
  ::umask(old_mask);
}

TEST(SqliteStorage, AWiderDatabaseFileIsTightenedAndReported) {
  auto db = test::TestDatabase::create(test::Backend::sqlite);
  const std::string path = db->url().substr(std::string("sqlite://").size());
  ASSERT_TRUE(open_storage(db->url()));
  ASSERT_EQ(::chmod(path.c_str(), 0644U), 0);
  std::vector<std::string> told;
  auto opened = open_storage(db->url(), [&](const std::string& file, unsigned old_mode) {
    told.push_back(file);
    EXPECT_EQ(old_mode, 0644U);
  });
  ASSERT_TRUE(opened) << opened.error().describe();
  EXPECT_EQ(mode_of(path), 0600U);
  EXPECT_EQ(told, std::vector<std::string>{path});
}

}  // namespace
}  // namespace outpost::storage

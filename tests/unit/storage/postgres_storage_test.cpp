// What only the PostgreSQL backend has: a server to reach, users and passwords, connections that
// the server may drop. Against the real server of tests/with_postgres.sh (OUTPOST_TEST_PG_URL);
// skipped without one, and failed without one when this is the PostgreSQL variant.
#include <gtest/gtest.h>

#include "storage/storage.hpp"
#include "test_database.hpp"

namespace outpost::storage {
namespace {

// The URL with its user part ("user[:password]") replaced.
std::string with_user(const std::string& url, const std::string& userinfo) {
  const std::size_t start = url.find("://") + 3;
  const std::size_t at = url.find('@', start);
  return url.substr(0, start) + userinfo + url.substr(at);
}

std::string database_of(const std::string& url) {
  return url.substr(url.rfind('/') + 1);
}

class PostgresStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::test_pg_url()) {
      if (test::postgres_required()) {
        FAIL() << "OUTPOST_TEST_BACKEND=postgres, but OUTPOST_TEST_PG_URL is not set: run this "
                  "through tests/with_postgres.sh";
      }
      GTEST_SKIP() << "no PostgreSQL server: tests/with_postgres.sh sets OUTPOST_TEST_PG_URL";
    }
    db_ = test::TestDatabase::create(test::Backend::postgres);
  }

  std::unique_ptr<test::TestDatabase> db_;
};

TEST_F(PostgresStorageTest, TheVariantRunsEveryBackendTest) {
  EXPECT_EQ(test::backends_under_test().size(), 2U);
}

TEST_F(PostgresStorageTest, WrongPasswordIsAnAuthenticationFailureThatNeverShowsIt) {
  // pg_hba.conf (tests/postgres.sh) asks outpost_password for a password over TCP.
  test::pg_admin_exec(
      "DO $$ BEGIN CREATE ROLE outpost_password LOGIN PASSWORD 'right-horse'; "
      "EXCEPTION WHEN duplicate_object THEN NULL; END $$");
  test::pg_admin_exec("ALTER DATABASE \"" + database_of(db_->url()) +
                      "\" OWNER TO outpost_password");
  auto refused = open_storage(with_user(db_->url(), "outpost_password:wrong-battery"));
  ASSERT_FALSE(refused);
  const std::string said = refused.error().describe();
  EXPECT_NE(said.find("authentication failed"), std::string::npos) << said;
  EXPECT_NE(said.find("outpost_password"), std::string::npos) << said;
  EXPECT_NE(said.find("pg_hba.conf"), std::string::npos) << said;
  EXPECT_EQ(said.find("wrong-battery"), std::string::npos) << said;
  EXPECT_EQ(refused.error().event, EventId::database_error);

  auto opened = open_storage(with_user(db_->url(), "outpost_password:right-horse"));
  ASSERT_TRUE(opened) << opened.error().describe();
  EXPECT_EQ((*opened)->schema_version().value(), 9);  // the number of migrations
}

TEST_F(PostgresStorageTest, BothSchemesOpenTheSameDatabase) {
  const std::string url = db_->url();
  ASSERT_TRUE(url.starts_with("postgresql://"));
  auto long_form = open_storage(url);
  auto short_form = open_storage("postgres://" + url.substr(std::string("postgresql://").size()));
  ASSERT_TRUE(long_form) << long_form.error().describe();
  ASSERT_TRUE(short_form) << short_form.error().describe();
  ASSERT_TRUE((*long_form)->approve_gateway("gw1.lab.test", false, ""));
  EXPECT_TRUE((*short_form)->computer("gw1.lab.test").value());
}

TEST_F(PostgresStorageTest, MissingDatabaseSaysHowToCreateIt) {
  auto refused = open_storage(test::with_database(db_->url(), "no_such_db"));
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("has no database 'no_such_db'"), std::string::npos)
      << refused.error().describe();
  EXPECT_NE(refused.error().fix.find("createdb"), std::string::npos) << refused.error().fix;
}

TEST_F(PostgresStorageTest, ReconnectsAfterTheServerDropsTheConnection) {
  auto opened = open_storage(db_->url());
  ASSERT_TRUE(opened) << opened.error().describe();
  auto& storage = **opened;
  ASSERT_TRUE(storage.approve_gateway("gw1.lab.test", false, ""));
  // What a server restart does to an open connection; waits until the backend has gone.
  test::pg_admin_exec(
      "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE "
      "datname = '" +
      database_of(db_->url()) + "' AND pid <> pg_backend_pid()");
  auto lost = storage.computers();
  ASSERT_FALSE(lost);  // reported once, as a database error naming the database
  EXPECT_EQ(lost.error().event, EventId::database_error);
  EXPECT_NE(lost.error().message.find(database_of(db_->url())), std::string::npos);
  auto again = storage.computers();
  ASSERT_TRUE(again) << again.error().describe();
  EXPECT_EQ(again->size(), 1U);
}

// No server needed: nothing listens on port 1.
TEST(PostgresUrl, UnreachableServerNamesHostAndPortButNotThePassword) {
  auto refused = open_storage("postgresql://ops:s3cret@127.0.0.1:1/outpost");
  ASSERT_FALSE(refused);
  const std::string said = refused.error().describe();
  EXPECT_NE(said.find("cannot connect to PostgreSQL at host 127.0.0.1 port 1"), std::string::npos)
      << said;
  EXPECT_EQ(said.find("s3cret"), std::string::npos) << said;
  EXPECT_EQ(refused.error().event, EventId::database_error);
}

}  // namespace
}  // namespace outpost::storage

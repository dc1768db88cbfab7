#include "web/secrets.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "web/login_limiter.hpp"

namespace outpost::web {
namespace {

TEST(Secrets, AnArgon2idHashVerifiesItsPasswordOnly) {
  auto hash = hash_password("correct horse battery");
  ASSERT_TRUE(hash);
  EXPECT_TRUE(hash->starts_with("$argon2id$"));
  EXPECT_TRUE(verify_password(*hash, "correct horse battery"));
  EXPECT_FALSE(verify_password(*hash, "correct horse batterY"));
  EXPECT_FALSE(verify_password("", "correct horse battery"));  // an unknown user
  EXPECT_FALSE(verify_password("not a hash", "x"));
  auto again = hash_password("correct horse battery");
  ASSERT_TRUE(again);
  EXPECT_NE(*hash, *again);  // salted
}

TEST(Secrets, PasswordRules) {
  EXPECT_FALSE(check_password_rules("short"));
  EXPECT_TRUE(check_password_rules("ten chars!"));
  EXPECT_FALSE(check_password_rules(std::string(kMaxPasswordLength + 1, 'x')));
  EXPECT_FALSE(check_password_rules(std::string("with a \0 byte", 13)));
}

TEST(Secrets, UserNames) {
  EXPECT_TRUE(valid_user_name("alice"));
  EXPECT_TRUE(valid_user_name("ops.team-1@lab"));
  EXPECT_FALSE(valid_user_name(""));
  EXPECT_FALSE(valid_user_name("a b"));
  EXPECT_FALSE(valid_user_name("<script>"));
  EXPECT_FALSE(valid_user_name(std::string(65, 'a')));
}

TEST(Secrets, RandomSecretsAndTheirDigests) {
  const auto a = random_secret();
  const auto b = random_secret();
  EXPECT_EQ(a.size(), 43U);
  EXPECT_NE(a, b);
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(same_secret(a, a));
  EXPECT_FALSE(same_secret(a, b));
  EXPECT_FALSE(same_secret(a, a.substr(1)));
}

TEST(LoginLimiter, RefusesAfterFiveFailuresUntilTheOldestLeavesTheWindow) {
  LoginLimiter limiter(5, std::chrono::seconds(300), 100);
  const TimePoint t0{std::chrono::hours(1000)};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(limiter.retry_after("10.0.0.1", t0 + std::chrono::seconds(i)).count(), 0);
    limiter.failed("10.0.0.1", t0 + std::chrono::seconds(i));
  }
  EXPECT_EQ(limiter.retry_after("10.0.0.1", t0 + std::chrono::seconds(10)).count(), 290);
  EXPECT_EQ(limiter.retry_after("10.0.0.2", t0).count(), 0);  // another key
  EXPECT_EQ(limiter.retry_after("10.0.0.1", t0 + std::chrono::seconds(300)).count(), 0);
  limiter.failed("10.0.0.1", t0 + std::chrono::seconds(301));
  limiter.succeeded("10.0.0.1");
  EXPECT_EQ(limiter.keys(), 0U);
}

TEST(LoginLimiter, HoldsAtMostItsKeysForgettingTheLeastRecentlyFailed) {
  LoginLimiter limiter(2, std::chrono::seconds(300), 3);
  const TimePoint t0{std::chrono::hours(1000)};
  for (const char* key : {"a", "b", "c", "d"}) {
    limiter.failed(key, t0);
    limiter.failed(key, t0);
  }
  EXPECT_EQ(limiter.keys(), 3U);
  EXPECT_EQ(limiter.retry_after("a", t0).count(), 0);  // forgotten
  EXPECT_GT(limiter.retry_after("d", t0).count(), 0);
}

}  // namespace
}  // namespace outpost::web

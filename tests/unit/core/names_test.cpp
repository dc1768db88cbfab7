#include "core/names.hpp"

#include <gtest/gtest.h>

namespace outpost {
namespace {

TEST(Names, ValidHostNames) {
  EXPECT_TRUE(is_valid_host_name("gw1.lab.test"));
  EXPECT_TRUE(is_valid_host_name("gw1.lab.test."));
  EXPECT_TRUE(is_valid_host_name("localhost"));
  EXPECT_TRUE(is_valid_host_name("a-b.c"));
  EXPECT_FALSE(is_valid_host_name(""));
  EXPECT_FALSE(is_valid_host_name("."));
  EXPECT_FALSE(is_valid_host_name("-a.lab"));
  EXPECT_FALSE(is_valid_host_name("a-.lab"));
  EXPECT_FALSE(is_valid_host_name("a..lab"));
  EXPECT_FALSE(is_valid_host_name("a b.lab"));
  EXPECT_FALSE(is_valid_host_name(std::string(64, 'a') + ".lab"));
  EXPECT_FALSE(is_valid_host_name("*.lab.test"));
}

TEST(Names, ComparisonIgnoresCaseAndTrailingDot) {
  EXPECT_TRUE(same_host_name("GW1.Lab.Test.", "gw1.lab.test"));
  EXPECT_FALSE(same_host_name("gw1.lab.test", "gw2.lab.test"));
  EXPECT_EQ(canonical_host_name("GW1.LAB."), "gw1.lab");
}

}  // namespace
}  // namespace outpost

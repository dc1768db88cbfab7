// Name resolution as doctor reports it: the hosts-file parser and which source answered. No
// test here asks DNS: the names come from [hosts], a scratch hosts file, or are addresses.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "doctor/names.hpp"

namespace outpost::doctor {
namespace {

constexpr std::string_view kHosts =
    "127.0.0.1\tlocalhost\n"
    "# 192.0.2.9 commented.lab.test\n"
    "192.0.2.10  ms1.lab.test ms1   # the server\n"
    "192.0.2.11 GW1.Lab.Test.\n"
    "192.0.2.10 alias.lab.test\n"
    "2001:db8::5 v6.lab.test\n"
    "lonely-address\n";

TEST(DoctorNames, HostsFileForward) {
  EXPECT_EQ(hosts_file_addresses(kHosts, "ms1.lab.test"), std::vector<std::string>{"192.0.2.10"});
  EXPECT_EQ(hosts_file_addresses(kHosts, "MS1.lab.test."), std::vector<std::string>{"192.0.2.10"});
  EXPECT_EQ(hosts_file_addresses(kHosts, "gw1.lab.test"), std::vector<std::string>{"192.0.2.11"})
      << "names are compared case-insensitively without the trailing dot";
  EXPECT_EQ(hosts_file_addresses(kHosts, "v6.lab.test"), std::vector<std::string>{"2001:db8::5"});
  EXPECT_TRUE(hosts_file_addresses(kHosts, "commented.lab.test").empty());
  EXPECT_TRUE(hosts_file_addresses(kHosts, "nowhere.lab.test").empty());
}

TEST(DoctorNames, HostsFileReverse) {
  EXPECT_EQ(hosts_file_names(kHosts, "192.0.2.10"),
            (std::vector<std::string>{"ms1.lab.test", "ms1", "alias.lab.test"}));
  EXPECT_TRUE(hosts_file_names(kHosts, "192.0.2.99").empty());
}

TEST(DoctorNames, HostsTableReverse) {
  const std::map<std::string, std::string> table{{"ms1.lab.test", "127.0.0.1"},
                                                 {"gw1.lab.test", "127.0.0.2"}};
  EXPECT_EQ(hosts_table_names(table, "127.0.0.1"), std::vector<std::string>{"ms1.lab.test"});
  EXPECT_TRUE(hosts_table_names(table, "127.0.0.3").empty());
}

class DoctorResolver : public ::testing::Test {
 protected:
  void SetUp() override {
    // One folder per process and test: CTest runs the tests of this file in parallel.
    dir_ = std::filesystem::temp_directory_path() /
           ("outpost-doctor-names-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "hosts") << kHosts;
    resolver_.hosts = {{"ms1.lab.test", "127.0.0.1"}};
    resolver_.hosts_file = dir_ / "hosts";
    resolver_.limit = std::chrono::milliseconds(500);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  Resolver resolver_;
};

TEST_F(DoctorResolver, TheTableAnswersFirst) {
  const Lookup l = resolver_.forward("MS1.lab.test");
  EXPECT_EQ(l.source, NameSource::hosts_table);
  EXPECT_EQ(l.answers, std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(source_text(l.source, resolver_.hosts_file), "[hosts] in the configuration");
}

TEST_F(DoctorResolver, ThenTheHostsFile) {
  const Lookup l = resolver_.forward("gw1.lab.test");
  EXPECT_EQ(l.source, NameSource::hosts_file);
  EXPECT_EQ(l.answers, std::vector<std::string>{"192.0.2.11"});
  EXPECT_EQ(source_text(l.source, resolver_.hosts_file),
            "the hosts file " + resolver_.hosts_file.string());
}

TEST_F(DoctorResolver, AnAddressNeedsNoLookup) {
  const Lookup l = resolver_.forward("192.0.2.77");
  EXPECT_EQ(l.source, NameSource::address_literal);
  EXPECT_EQ(l.answers, std::vector<std::string>{"192.0.2.77"});
}

TEST_F(DoctorResolver, ReverseByTableThenHostsFile) {
  const Lookup table = resolver_.reverse("127.0.0.1");
  EXPECT_EQ(table.source, NameSource::hosts_table);
  EXPECT_EQ(table.answers, std::vector<std::string>{"ms1.lab.test"});
  const Lookup file = resolver_.reverse("192.0.2.11");
  EXPECT_EQ(file.source, NameSource::hosts_file);
  EXPECT_EQ(file.answers, std::vector<std::string>{"gw1.lab.test"});
}

}  // namespace
}  // namespace outpost::doctor

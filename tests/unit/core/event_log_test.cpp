#include "core/event_log.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <fstream>

namespace outpost {
namespace {

class EventLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "outpost-ev-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(EventLogTest, WritesJsonLinesAndReadsThemBack) {
  EventLog log(dir_, "cert", Echo::none);
  ASSERT_TRUE(log.write(EventId::cert_loaded, "", {{"sha256", "ab"}}));
  ASSERT_TRUE(log.write(EventId::cert_eku_missing, "lacks clientAuth"));
  auto contents = read_events(dir_);
  ASSERT_TRUE(contents);
  ASSERT_EQ(contents->events.size(), 2U);
  const Event& first = contents->events[0];
  EXPECT_EQ(first.id, 20053);
  EXPECT_EQ(first.level, Level::info);
  EXPECT_EQ(first.source, "cert");
  EXPECT_EQ(first.message, event_info(EventId::cert_loaded).text);
  EXPECT_EQ(first.fields["sha256"], "ab");
  EXPECT_EQ(contents->events[1].level, Level::error);
  EXPECT_EQ(contents->events[1].message, "lacks clientAuth");

  struct stat st {};
  ASSERT_EQ(::stat(log.path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777U, 0600U);
}

TEST_F(EventLogTest, FiltersByIdAndTime) {
  EventLog log(dir_, "test", Echo::none);
  ASSERT_TRUE(log.write(EventId::cert_loaded, ""));
  ASSERT_TRUE(log.write(EventId::cert_not_found, ""));
  auto only = read_events(dir_, {20066, std::nullopt});
  ASSERT_TRUE(only);
  ASSERT_EQ(only->events.size(), 1U);
  EXPECT_EQ(only->events[0].id, 20066);
  auto future = read_events(dir_, {std::nullopt, Clock::now() + std::chrono::hours(1)});
  ASSERT_TRUE(future);
  EXPECT_TRUE(future->events.empty());
}

TEST_F(EventLogTest, DamagedLineIsReportedAndTheRestIsKept) {
  EventLog log(dir_, "test", Echo::none);
  ASSERT_TRUE(log.write(EventId::cert_loaded, ""));
  {
    std::ofstream out(log.path(), std::ios::app);
    out << "{\"id\": 200\n";  // a torn write
  }
  ASSERT_TRUE(log.write(EventId::cert_not_found, ""));
  auto contents = read_events(dir_);
  ASSERT_TRUE(contents);
  EXPECT_EQ(contents->events.size(), 2U);
  ASSERT_EQ(contents->damaged_lines.size(), 1U);
  EXPECT_NE(contents->damaged_lines[0].find("line 2"), std::string::npos);
}

TEST_F(EventLogTest, MissingLogIsEmpty) {
  auto contents = read_events(dir_ / "nothing-here");
  ASSERT_TRUE(contents);
  EXPECT_TRUE(contents->events.empty());
}

TEST_F(EventLogTest, UnwritableLogIsAnError) {
  EventLog log(dir_ / "missing-folder", "test", Echo::none);
  auto written = log.write(EventId::cert_loaded, "");
  ASSERT_FALSE(written);
  EXPECT_NE(written.error().message.find("cannot open event log"), std::string::npos);
}

}  // namespace
}  // namespace outpost

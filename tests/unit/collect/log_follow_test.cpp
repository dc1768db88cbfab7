#include "collect/log_follow.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace outpost::collect {
namespace {

namespace fs = std::filesystem;

class LogFollowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("outpost-log-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = dir_ / "app.log";
  }
  void TearDown() override { fs::remove_all(dir_); }
  void append(std::string_view text, const fs::path& file = {}) {
    std::ofstream out(file.empty() ? path_ : file, std::ios::app | std::ios::binary);
    out << text;
  }
  fs::path dir_;
  fs::path path_;
};

TEST_F(LogFollowTest, StartsAtTheEndAndReadsWhatIsAppended) {
  append("old line 1\nold line 2\n");
  LogFollower f(path_, 1024, 100);
  EXPECT_TRUE(f.poll().lines.empty());  // primes at the end
  append("new 1\nnew 2\r\npart");
  auto p = f.poll();
  EXPECT_EQ(p.lines, (std::vector<std::string>{"new 1", "new 2"}));
  EXPECT_FALSE(p.problem);
  append("ial\n");
  EXPECT_EQ(f.poll().lines, std::vector<std::string>{"partial"});
  EXPECT_TRUE(f.poll().lines.empty());
}

// An agent restart: the position kept from the last run (after the last line returned; a
// held-back partial line is read again) is where the next follower continues.
TEST_F(LogFollowTest, AKeptPositionResumesAfterTheLastLineReturned) {
  append("old\n");
  std::optional<LogFollower::Position> kept;
  {
    LogFollower f(path_, 1024, 100);
    (void)f.poll();
    append("one\npart");
    EXPECT_EQ(f.poll().lines, std::vector<std::string>{"one"});
    kept = f.position();
  }
  ASSERT_TRUE(kept);
  append("ial\nwhile away\n");
  LogFollower f(path_, 1024, 100);
  f.resume_at(*kept);
  EXPECT_EQ(f.poll().lines, (std::vector<std::string>{"partial", "while away"}));
}

TEST_F(LogFollowTest, AKeptPositionOfARotatedFileReadsTheNewFileFromItsStart) {
  append("old\n");
  std::optional<LogFollower::Position> kept;
  {
    LogFollower f(path_, 1024, 100);
    (void)f.poll();
    kept = f.position();
  }
  ASSERT_TRUE(kept);
  fs::rename(path_, dir_ / "app.log.1");
  append("new file\n");
  LogFollower f(path_, 1024, 100);
  f.resume_at(*kept);
  EXPECT_EQ(f.poll().lines, std::vector<std::string>{"new file"});
}

TEST_F(LogFollowTest, RotationByRenameReadsTheRestOfTheOldFileThenTheNewOneFromItsStart) {
  append("before\n");
  LogFollower f(path_, 1024, 100);
  (void)f.poll();
  append("last old line\n");
  fs::rename(path_, dir_ / "app.log.1");
  EXPECT_EQ(f.poll().lines, std::vector<std::string>{"last old line"});  // no new file yet
  append("first new line\nsecond new line\n");
  auto p = f.poll();
  EXPECT_TRUE(p.rotated);
  EXPECT_EQ(p.lines, (std::vector<std::string>{"first new line", "second new line"}));
}

TEST_F(LogFollowTest, RotationWhenTheNewFileAppearsBetweenPolls) {
  append("before\n");
  LogFollower f(path_, 1024, 100);
  (void)f.poll();
  append("old tail\n");
  fs::rename(path_, dir_ / "app.log.1");
  append("new head\n");
  auto p = f.poll();
  EXPECT_TRUE(p.rotated);
  EXPECT_EQ(p.lines, (std::vector<std::string>{"old tail", "new head"}));
}

TEST_F(LogFollowTest, AnUnterminatedLastLineIsHeldBackUntilItsFileIsRotatedAway) {
  append("before\n");
  LogFollower f(path_, 1024, 100);
  (void)f.poll();
  append("complete\nno newline yet");
  EXPECT_EQ(f.poll().lines, std::vector<std::string>{"complete"});
  EXPECT_TRUE(f.poll().lines.empty());
  fs::rename(path_, dir_ / "app.log.1");
  append("new\n");
  EXPECT_EQ(f.poll().lines, (std::vector<std::string>{"no newline yet", "new"}));
}

TEST_F(LogFollowTest, ADeletedFileIsLetGoAndItsSuccessorReadFromItsStart) {
  append("before\n");
  LogFollower f(path_, 1024, 100);
  (void)f.poll();
  append("last words\n");
  fs::remove(path_);
  EXPECT_EQ(f.poll().lines, std::vector<std::string>{"last words"});
  EXPECT_TRUE(f.poll().lines.empty());
  append("reborn\n");
  EXPECT_EQ(f.poll().lines, std::vector<std::string>{"reborn"});
}

TEST_F(LogFollowTest, TruncationStartsAgainFromTheTop) {
  append("one\ntwo\nthree\n");
  LogFollower f(path_, 1024, 100);
  (void)f.poll();
  fs::resize_file(path_, 0);
  append("after\n");
  auto p = f.poll();
  EXPECT_TRUE(p.rotated);
  EXPECT_EQ(p.lines, std::vector<std::string>{"after"});
}

TEST_F(LogFollowTest, AFileThatAppearsLaterIsReadFromItsStart) {
  LogFollower f(path_, 1024, 100);
  auto first = f.poll();
  EXPECT_FALSE(first.problem);
  append("hello\n");
  EXPECT_EQ(f.poll().lines, std::vector<std::string>{"hello"});
}

TEST_F(LogFollowTest, LongLinesAreCutAndLinesPerPollAreBounded) {
  LogFollower f(path_, 10, 3);
  (void)f.poll();
  append(std::string(100000, 'x') + "\nshort\n");
  auto p = f.poll();
  ASSERT_EQ(p.lines.size(), 2u);
  EXPECT_EQ(p.lines[0], std::string(10, 'x') + std::string(LogFollower::kCutMarker));
  EXPECT_EQ(p.lines[1], "short");
  append("1\n2\n3\n4\n5\n");
  EXPECT_EQ(f.poll().lines, (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(f.poll().lines, (std::vector<std::string>{"4", "5"}));
}

TEST_F(LogFollowTest, ADirectoryIsAProblem) {
  LogFollower f(dir_, 1024, 10);
  auto p = f.poll();
  ASSERT_TRUE(p.problem);
  EXPECT_NE(p.problem->find("not a regular file"), std::string::npos);
}

}  // namespace
}  // namespace outpost::collect

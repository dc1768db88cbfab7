#include "collect/process.hpp"
#include "mount_point.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

namespace outpost::collect {
namespace {

const char* const kCheckDisk = "/usr/lib/nagios/plugins/check_disk";

std::optional<CheckRun> run(CheckSpec spec, CheckLimits limits = {}) {
  asio::io_context io;
  auto table = std::make_shared<ProcessTable>();
  std::optional<CheckRun> out;
  asio::co_spawn(io, run_check(std::move(spec), limits, table),
                 [&](std::exception_ptr e, std::optional<CheckRun> r) {
                   if (e) std::rethrow_exception(e);
                   out = std::move(r);
                 });
  io.run_for(std::chrono::seconds(60));  // a generous bound, not a speed requirement
  EXPECT_TRUE(table->running.empty());
  return out;
}

// No child of this test process is left, running or as a zombie.
void expect_no_children() {
  int status = 0;
  errno = 0;
  EXPECT_EQ(::waitpid(-1, &status, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

TEST(Checks, TheRealCheckDisk) {
  if (!std::filesystem::exists(kCheckDisk)) {
    GTEST_SKIP() << kCheckDisk << " is not installed (apt-get install monitoring-plugins-basic)";
  }
  const auto point = mount_point_for_check_disk();
  if (!point) GTEST_SKIP() << "/proc/self/mounts lists no real file system for check_disk";
  auto r = run({"disk_root", {kCheckDisk, "-w", "1%", "-c", "1%", "-p", *point}, 300, 30});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->result.status == CheckStatus::ok || r->result.status == CheckStatus::warning ||
              r->result.status == CheckStatus::critical)
      << r->result.output;
  EXPECT_NE(r->result.output.find("DISK"), std::string::npos) << r->result.output;
  EXPECT_EQ(r->result.output.find('|'), std::string::npos);
  ASSERT_EQ(r->perfdata.size(), 1u);
  EXPECT_EQ(r->perfdata[0].label, *point);
  EXPECT_GT(r->perfdata[0].value, 0.0);
  expect_no_children();
}

TEST(Checks, ExitCodesFollowThePluginConvention) {
  const std::vector<std::pair<int, CheckStatus>> cases = {{0, CheckStatus::ok},
                                                          {1, CheckStatus::warning},
                                                          {2, CheckStatus::critical},
                                                          {3, CheckStatus::unknown},
                                                          {42, CheckStatus::unknown}};
  for (const auto& [code, status] : cases) {
    auto r = run({"sh",
                  {"/bin/sh", "-c",
                   "echo 'STATE " + std::to_string(code) +
                       " | a=1s;2;3;0;10' ; echo more >&2; exit " + std::to_string(code)},
                  300,
                  30});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result.exit_code, code);
    EXPECT_EQ(r->result.status, status);
    EXPECT_EQ(r->result.output, "STATE " + std::to_string(code));
    ASSERT_EQ(r->perfdata.size(), 1u);
    EXPECT_EQ(r->perfdata[0].unit, "s");
  }
  expect_no_children();
}

TEST(Checks, ATimeoutKillsTheProcessAndGivesUnknown) {
  auto r = run({"sleepy", {"/bin/sleep", "10"}, 300, 1});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result.status, CheckStatus::unknown);
  EXPECT_EQ(r->result.output, "timed out after 1 s");
  EXPECT_EQ(r->result.exit_code, -1);
  EXPECT_GE(r->result.duration_ms, 1000);
  expect_no_children();
}

TEST(Checks, ATimeoutIgnoringSigtermIsEndedWithSigkill) {
  auto r = run({"stubborn", {"/bin/sh", "-c", "trap '' TERM; sleep 10 & wait"}, 300, 1},
               CheckLimits{64 * 1024, std::chrono::milliseconds(500)});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result.output, "timed out after 1 s");
  expect_no_children();
}

TEST(Checks, ATimeoutSendsSigtermFirst) {
  const auto marker =
      std::filesystem::temp_directory_path() / ("outpost-sigterm-" + std::to_string(::getpid()));
  std::filesystem::remove(marker);
  auto r = run({"polite",
                {"/bin/sh", "-c",
                 "trap 'echo term > " + marker.string() +
                     "; exit 0' TERM; "
                     "sleep 10 & wait"},
                300,
                1});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result.output, "timed out after 1 s");
  EXPECT_TRUE(std::filesystem::exists(marker)) << "the plugin got no SIGTERM before SIGKILL";
  std::filesystem::remove(marker);
  expect_no_children();
}

// Running (not a zombie, not gone).
bool alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

TEST(Checks, ChildrenLeftBehindHoldingThePipeAreKilled) {
  auto r = run({"leaves_a_child", {"/bin/sh", "-c", "sleep 100 & echo $!; exit 0"}, 300, 30});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result.status, CheckStatus::ok);
  const pid_t orphan = std::stoi(r->result.output);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (alive(orphan) && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_FALSE(alive(orphan));
}

TEST(Checks, AMissingExecutableGivesUnknownWithTheReason) {
  auto r = run({"missing", {"/usr/lib/nagios/plugins/check_nothing_here"}, 300, 5});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result.status, CheckStatus::unknown);
  EXPECT_EQ(r->result.output,
            "cannot run /usr/lib/nagios/plugins/check_nothing_here: No such file or directory");
  expect_no_children();
}

TEST(Checks, OutputIsCappedAndTheCheckStillEnds) {
  auto r =
      run({"chatty", {"/bin/sh", "-c", "echo first; head -c 1000000 /dev/zero; exit 0"}, 300, 30},
          CheckLimits{1024, std::chrono::milliseconds(2000)});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result.status, CheckStatus::ok);
  EXPECT_EQ(r->result.output, "first");
  expect_no_children();
}

TEST(Checks, StopKillsARunningCheckAtOnce) {
  asio::io_context io;
  auto table = std::make_shared<ProcessTable>();
  bool finished = false;
  asio::co_spawn(io, run_check({"long", {"/bin/sleep", "100"}, 300, 100}, {}, table),
                 [&](std::exception_ptr, std::optional<CheckRun> r) {
                   finished = true;
                   EXPECT_FALSE(r);
                 });
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (table->running.empty() && std::chrono::steady_clock::now() < until) {
    io.run_one_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(table->running.size(), 1u);
  table->kill_all(std::chrono::seconds(10));
  io.run_for(std::chrono::seconds(10));
  EXPECT_TRUE(finished);
  expect_no_children();
}

}  // namespace
}  // namespace outpost::collect

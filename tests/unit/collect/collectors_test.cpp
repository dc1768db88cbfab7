// Collectors end to end on a real io_context: log rules on a temp file, checks (the real
// check_disk and a script plugin), performance samples from this machine, and a bounded stop().
// Every wait is bounded; the bounds are generous, not speed requirements.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "collect/collect.hpp"
#include "mount_point.hpp"

namespace outpost::collect {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

const char* const kCheckDisk = "/usr/lib/nagios/plugins/check_disk";

struct Item {
  Kind kind;
  std::int64_t produced_unix_ms;
  json payload;
};

class CollectorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("outpost-collectors-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    collectors_.reset();
    fs::remove_all(dir_);
  }

  void start(CollectConfig config, EventLog* log = nullptr) {
    collectors_ = std::make_unique<Collectors>(
        io_.get_executor(), std::move(config),
        [this](Collected c) {
          items_.push_back({c.kind, c.produced_unix_ms, json::parse(c.json)});
          return true;
        },
        log);
    collectors_->start();
  }

  // Runs the io_context until `done` holds or `bound` passed; `between` runs every ~100 ms.
  bool run_until(const std::function<bool()>& done, std::chrono::seconds bound,
                 const std::function<void()>& between = {}) {
    const auto until = Clock::now() + bound;
    while (!done()) {
      if (Clock::now() >= until) return false;
      if (between) between();
      io_.run_for(std::chrono::milliseconds(100));
    }
    return true;
  }

  [[nodiscard]] std::vector<Item> of_kind(Kind kind) const {
    std::vector<Item> out;
    std::ranges::copy_if(items_, std::back_inserter(out),
                         [&](const Item& i) { return i.kind == kind; });
    return out;
  }

  [[nodiscard]] const Item* sample(std::string_view counter, std::string_view instance = {}) {
    for (const auto& i : items_) {
      if (i.kind == Kind::sample && i.payload.value("counter", "") == counter &&
          (instance.empty() || i.payload.value("instance", "") == instance)) {
        return &i;
      }
    }
    return nullptr;
  }

  [[nodiscard]] const Item* check(std::string_view name) const {
    for (const auto& i : items_) {
      if (i.kind == Kind::check && i.payload.value("name", "") == name) return &i;
    }
    return nullptr;
  }

  fs::path write_script(const std::string& name, const std::string& body) {
    const auto path = dir_ / name;
    std::ofstream(path) << "#!/bin/sh\n" << body;
    fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
    return path;
  }

  static void append(const fs::path& file, std::string_view text) {
    std::ofstream(file, std::ios::app | std::ios::binary) << text;
  }

  fs::path dir_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  std::unique_ptr<Collectors> collectors_;
  std::vector<Item> items_;
};

CollectConfig quiet() {
  CollectConfig c;
  c.performance_interval_s = 0;
  return c;
}

// Running (not a zombie, not gone).
bool alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

TEST_F(CollectorsTest, LogLinesThatMatchBecomeEventsWithTheDocumentedPayload) {
  const auto log = dir_ / "app.log";
  append(log, "ERROR from before the agent started\n");
  auto config = quiet();
  config.logs.push_back({log.string(), "app-errors", "^ERROR (\\w+)", Level::error});
  config.logs.push_back({log.string(), "disk", "disk", Level::warning});
  start(config);

  // The follower starts at the end of the file at its first poll (on its own thread), so lines
  // are appended until the first events come.
  int n = 0;
  ASSERT_TRUE(run_until([&] { return !of_kind(Kind::event).empty(); }, std::chrono::seconds(20),
                        [&] {
                          append(log, "noise " + std::to_string(n) + "\nERROR disk full " +
                                          std::to_string(n) + "\n");
                          ++n;
                        }));
  const auto first = of_kind(Kind::event).front();
  EXPECT_NEAR(static_cast<double>(first.produced_unix_ms),
              static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count()),
              60000.0);
  ASSERT_TRUE(first.payload.is_object());
  EXPECT_EQ(first.payload.size(), 4u) << first.payload.dump();
  EXPECT_EQ(first.payload["source"], "log:" + log.string());
  EXPECT_EQ(first.payload["level"], "error");
  EXPECT_EQ(first.payload["rule"], "app-errors");
  EXPECT_TRUE(first.payload["message"].get<std::string>().starts_with("ERROR disk full "));
  for (const auto& e : of_kind(Kind::event)) {
    const auto message = e.payload["message"].get<std::string>();
    EXPECT_FALSE(message.starts_with("noise")) << message;
    EXPECT_NE(message, "ERROR from before the agent started");
  }
  // One line, two rules: an event each.
  EXPECT_TRUE(std::ranges::any_of(of_kind(Kind::event), [](const Item& e) {
    return e.payload["rule"] == "disk" && e.payload["level"] == "warning";
  }));

  // Every line appended above has come (a slow machine may still be reading them), so that what
  // comes next is only what this test appends next.
  const std::string last = "ERROR disk full " + std::to_string(n - 1);
  ASSERT_TRUE(run_until(
      [&] {
        return std::ranges::any_of(of_kind(Kind::event),
                                   [&](const Item& e) { return e.payload["message"] == last; });
      },
      std::chrono::seconds(20)));

  // A line without its newline waits for it.
  items_.clear();
  append(log, "ERROR half");
  EXPECT_FALSE(run_until([&] { return !items_.empty(); }, std::chrono::seconds(3)));
  append(log, " a line\n");
  ASSERT_TRUE(run_until([&] { return !items_.empty(); }, std::chrono::seconds(20)));
  EXPECT_EQ(items_.front().payload["message"], "ERROR half a line");

  // Rotation by rename, then a new file: read from its start.
  items_.clear();
  fs::rename(log, dir_ / "app.log.1");
  append(log, "ERROR after rotation\n");
  ASSERT_TRUE(run_until([&] { return !items_.empty(); }, std::chrono::seconds(20)));
  EXPECT_EQ(items_.front().payload["message"], "ERROR after rotation");
}

TEST_F(CollectorsTest, AnUnreadableSourceIsLoggedOnceAs30060) {
  const auto state = dir_ / "state";
  fs::create_directories(state);
  EventLog events(state, "agent", Echo::none);
  auto config = quiet();
  config.logs.push_back({dir_.string(), "a-directory", "x", Level::info});
  start(config, &events);
  io_.run_for(std::chrono::milliseconds(3500));  // three or four polls
  auto read = read_events(state, {.id = 30060, .since = std::nullopt});
  ASSERT_TRUE(read) << read.error().message;
  ASSERT_EQ(read->events.size(), 1u);
  EXPECT_NE(read->events[0].message.find("not a regular file"), std::string::npos);
}

TEST_F(CollectorsTest, AScriptPluginThatExits2GivesCriticalAndItsPerfdataAsSamples) {
  const auto plugin = write_script("check_queue",
                                   "echo \"CRITICAL - queue length 42 | queue=42;10;20;0; "
                                   "'wait time'=1.5s;;;\"\n"
                                   "echo 'a second line | more=7'\n"
                                   "exit 2\n");
  auto config = quiet();
  config.checks.push_back({"queue", {plugin.string()}, 300, 10});
  start(config);
  ASSERT_TRUE(run_until([&] { return check("queue") != nullptr; }, std::chrono::seconds(20)));
  const auto& c = check("queue")->payload;
  EXPECT_EQ(c.size(), 5u) << c.dump();
  EXPECT_EQ(c["name"], "queue");
  EXPECT_EQ(c["status"], "critical");
  EXPECT_EQ(c["exit_code"], 2);
  EXPECT_EQ(c["output"], "CRITICAL - queue length 42");
  EXPECT_GE(c["duration_ms"].get<std::int64_t>(), 0);

  const auto* queue = sample("check.queue.queue");
  ASSERT_NE(queue, nullptr);
  EXPECT_EQ(queue->payload["value"], 42.0);
  EXPECT_EQ(queue->payload["unit"], "");
  EXPECT_EQ(queue->payload["instance"], "");
  const auto* wait = sample("check.queue.wait time");
  ASSERT_NE(wait, nullptr);
  EXPECT_EQ(wait->payload["value"], 1.5);
  EXPECT_EQ(wait->payload["unit"], "s");
  const auto* more = sample("check.queue.more");
  ASSERT_NE(more, nullptr);
  EXPECT_EQ(more->payload["value"], 7.0);
}

TEST_F(CollectorsTest, TheRealCheckDisk) {
  if (!fs::exists(kCheckDisk)) {
    GTEST_SKIP() << kCheckDisk << " is not installed (apt-get install monitoring-plugins-basic)";
  }
  const auto point = mount_point_for_check_disk();
  if (!point) GTEST_SKIP() << "/proc/self/mounts lists no real file system for check_disk";
  auto config = quiet();
  config.checks.push_back(
      {"disk_root", {kCheckDisk, "-w", "1%", "-c", "1%", "-p", *point}, 300, 30});
  start(config);
  ASSERT_TRUE(run_until([&] { return check("disk_root") != nullptr; }, std::chrono::seconds(30)));
  const auto& c = check("disk_root")->payload;
  EXPECT_TRUE(c["status"] == "ok" || c["status"] == "warning" || c["status"] == "critical")
      << c.dump();
  EXPECT_NE(c["output"].get<std::string>().find("DISK"), std::string::npos) << c.dump();
  const auto* root = sample("check.disk_root." + *point);
  ASSERT_NE(root, nullptr);
  EXPECT_GT(root->payload["value"].get<double>(), 0.0);
  EXPECT_FALSE(root->payload["unit"].get<std::string>().empty());  // "B" or "MB" by version
}

TEST_F(CollectorsTest, PerformanceSamplesCoverCpuMemoryLoadTheRootDiskAndTheNetwork) {
  CollectConfig config;
  config.performance_interval_s = 1;
  start(config);
  // Rates (CPU, network) come from the second reading on.
  ASSERT_TRUE(run_until(
      [&] { return sample("cpu.percent") != nullptr && sample("net.rx_bytes_per_s") != nullptr; },
      std::chrono::seconds(20)));
  for (const auto* counter :
       {"cpu.percent", "memory.used_bytes", "memory.available_bytes", "swap.used_bytes", "load.1m",
        "load.5m", "load.15m", "net.rx_bytes_per_s", "net.tx_bytes_per_s"}) {
    EXPECT_NE(sample(counter), nullptr) << counter;
  }
  // "/" where the mount list has it; the first real file system, or "/" again, where not.
  const std::string disk = mount_point_for_check_disk().value_or("/");
  const auto* free = sample("disk.free_bytes", disk);
  ASSERT_NE(free, nullptr) << disk;
  EXPECT_EQ(free->payload["unit"], "B");
  EXPECT_GT(free->payload["value"].get<double>(), 0.0);
  EXPECT_NE(sample("disk.used_percent", disk), nullptr);
  const auto& cpu = sample("cpu.percent")->payload;
  EXPECT_EQ(cpu.size(), 4u) << cpu.dump();
  EXPECT_EQ(cpu["instance"], "");
  EXPECT_EQ(cpu["unit"], "%");
  EXPECT_GE(cpu["value"].get<double>(), 0.0);
  EXPECT_LE(cpu["value"].get<double>(), 100.0);
  EXPECT_NE(sample("net.rx_bytes_per_s")->payload["instance"], "lo");
}

TEST_F(CollectorsTest, StopIsBoundedAndKillsAPluginThatSleepsForever) {
  const auto pid_file = dir_ / "plugin.pid";
  const auto plugin =
      write_script("check_forever", "echo $$ > " + pid_file.string() + "\nexec sleep 1000000\n");
  auto config = quiet();
  config.checks.push_back({"forever", {plugin.string()}, 300, 3600});
  start(config);
  ASSERT_TRUE(run_until(
      [&] {
        std::ifstream in(pid_file);
        std::string line;
        return std::getline(in, line) && !line.empty();
      },
      std::chrono::seconds(20)));
  std::ifstream in(pid_file);
  pid_t pid = 0;
  in >> pid;
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(alive(pid));

  const auto before = Clock::now();
  collectors_->stop();
  EXPECT_LT(Clock::now() - before, std::chrono::seconds(5));
  EXPECT_FALSE(alive(pid));
  collectors_->stop();  // idempotent
  work_.reset();
  io_.run_for(std::chrono::seconds(5));  // the coroutines end
  EXPECT_TRUE(io_.stopped());
  EXPECT_EQ(check("forever"), nullptr);
}

}  // namespace
}  // namespace outpost::collect

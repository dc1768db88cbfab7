#include "collect/proc.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "collect/performance.hpp"
#include "mount_point.hpp"

namespace outpost::collect {
namespace {

TEST(ProcStat, ParsesTheAggregateLineAndComputesBusyPercent) {
  const auto before = parse_proc_stat(
      "cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 50 0 50 350 50 0 0 0 0 0\nintr 1 2 3\n");
  const auto after = parse_proc_stat("cpu  200 0 200 1300 300 0 0 0 0 0\n");
  ASSERT_TRUE(before && after);
  EXPECT_EQ(before->total(), 1000u);
  // 1000 ticks passed, 800 of them idle or iowait: 20 % busy.
  EXPECT_DOUBLE_EQ(*cpu_percent(*before, *after), 20.0);
  EXPECT_FALSE(cpu_percent(*after, *before));  // a reset primes again
  EXPECT_FALSE(parse_proc_stat("intr 1 2 3\n"));
}

TEST(ProcStat, OldKernelsWithFewerColumns) {
  const auto times = parse_proc_stat("cpu 1 2 3 4\n");
  ASSERT_TRUE(times);
  EXPECT_EQ(times->total(), 10u);
}

TEST(MemInfo, UsesMemAvailableAndFallsBackWithoutIt) {
  const auto m = parse_meminfo(
      "MemTotal:       24684084 kB\nMemFree:        20159616 kB\nMemAvailable:   22117152 kB\n"
      "Buffers:            7188 kB\nCached:          2128376 kB\nSwapTotal:       1048572 kB\n"
      "SwapFree:         524288 kB\n");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->total, 24684084ull * 1024);
  EXPECT_EQ(m->available, 22117152ull * 1024);
  EXPECT_EQ(m->used(), (24684084ull - 22117152ull) * 1024);
  EXPECT_EQ(m->swap_used(), (1048572ull - 524288ull) * 1024);
  const auto old =
      parse_meminfo("MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 250 kB\n");
  ASSERT_TRUE(old);
  EXPECT_EQ(old->available, 400u * 1024);
  EXPECT_EQ(old->swap_used(), 0u);
  EXPECT_FALSE(parse_meminfo("garbage\n"));
}

TEST(LoadAvg, ThreeAverages) {
  const auto l = parse_loadavg("5.92 3.96 2.97 8/114 12146\n");
  ASSERT_TRUE(l);
  EXPECT_DOUBLE_EQ(l->one, 5.92);
  EXPECT_DOUBLE_EQ(l->fifteen, 2.97);
  EXPECT_FALSE(parse_loadavg("5.92 x\n"));
}

TEST(DiskStats, SectorsAreBytesTimes512) {
  const auto disks = parse_diskstats(
      "   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
      " 254       0 vda 101298 11209 6748370 78521 70641 24135 52988296 187253 0 31752 272744 "
      "15723 28 47951632 6641 5527 328\n"
      " 259       0 nvme0n1 10 0 20 0 5 0 8 0 0 0 0\n");
  ASSERT_EQ(disks.size(), 3u);
  EXPECT_EQ(disks[1].device, "vda");
  EXPECT_EQ(disks[1].read_bytes, 6748370ull * 512);
  EXPECT_EQ(disks[1].write_bytes, 52988296ull * 512);
  EXPECT_EQ(disks[2].write_bytes, 8u * 512);
}

TEST(NetDev, BytesAndErrorsPerInterface) {
  const auto nets = parse_net_dev(
      "Inter-|   Receive                                                |  Transmit\n"
      " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
      "drop fifo colls carrier compressed\n"
      "    lo: 4262816   24698    0    0    0     0          0         0  4262816   24698    0    "
      "0    0     0       0          0\n"
      "  eth0:1000 10 3 0 0 0 0 0 2000 20 4 0 0 0 0 0\n");
  ASSERT_EQ(nets.size(), 2u);
  EXPECT_EQ(nets[1].interface, "eth0");
  EXPECT_EQ(nets[1].rx_bytes, 1000u);
  EXPECT_EQ(nets[1].tx_bytes, 2000u);
  EXPECT_EQ(nets[1].rx_errors, 3u);
  EXPECT_EQ(nets[1].tx_errors, 4u);
}

TEST(Mounts, RealFileSystemsOnceEach) {
  const auto mounts = parse_mounts(
      "proc /proc proc rw,relatime 0 0\n"
      "/dev/vda / ext4 rw,relatime 0 0\n"
      "tmpfs /run tmpfs rw 0 0\n"
      "cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n"
      "/dev/sdb1 /mnt/my\\040disk xfs rw 0 0\n"
      "/dev/vda /etc/hosts ext4 rw 0 0\n"
      "server:/export /srv/nfs nfs4 rw 0 0\n");
  ASSERT_EQ(mounts.size(), 7u);
  EXPECT_EQ(mounts[4].mount_point, "/mnt/my disk");
  EXPECT_EQ(default_mount_points(mounts),
            (std::vector<std::string>{"/", "/mnt/my disk", "/srv/nfs"}));
}

TEST(Samples, FirstReadPrimesRatesSecondGivesThem) {
  Snapshot first;
  first.taken_s = 100;
  first.cpu = CpuTimes{100, 0, 100, 800, 0, 0, 0, 0};
  first.disks = {{"sda", 1000, 2000}};
  first.interfaces = {{"eth0", 0, 0, 0, 0}};
  first.memory = MemInfo{1000, 400, 0, 0};
  first.file_systems = {{"/", 500, 75.0}};
  auto primed = samples_from(nullptr, first);
  EXPECT_TRUE(std::ranges::none_of(primed, [](const Sample& s) {
    return s.counter == "cpu.percent" || s.counter.ends_with("_per_s");
  }));
  EXPECT_TRUE(std::ranges::any_of(
      primed, [](const Sample& s) { return s.counter == "memory.used_bytes" && s.value == 600; }));
  Snapshot second = first;
  second.taken_s = 110;
  second.cpu = CpuTimes{200, 0, 200, 1600, 0, 0, 0, 0};
  second.disks = {{"sda", 11000, 2000}};
  second.interfaces = {{"eth0", 100, 200, 5, 5}};
  const auto samples = samples_from(&first, second);
  auto find = [&](std::string_view counter) {
    const auto it =
        std::ranges::find_if(samples, [&](const Sample& s) { return s.counter == counter; });
    return it == samples.end() ? -1.0 : it->value;
  };
  EXPECT_DOUBLE_EQ(find("cpu.percent"), 20.0);
  EXPECT_DOUBLE_EQ(find("disk.read_bytes_per_s"), 1000.0);
  EXPECT_DOUBLE_EQ(find("disk.write_bytes_per_s"), 0.0);
  EXPECT_DOUBLE_EQ(find("net.rx_bytes_per_s"), 10.0);
  EXPECT_DOUBLE_EQ(find("net.tx_bytes_per_s"), 20.0);
  EXPECT_DOUBLE_EQ(find("net.errors_per_s"), 1.0);
  EXPECT_DOUBLE_EQ(find("disk.used_percent"), 75.0);
}

// In a chroot whose root is not a mount point, /proc/self/mounts lists no real file system (here
// only proc and devpts): the root the process sees is measured instead of nothing.
TEST(RealProc, WithoutARealFileSystemInTheMountListTheRootIsMeasured) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("outpost-proc-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "self");
  {
    std::ofstream mounts(dir / "self" / "mounts");
    mounts << "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n"
              "devpts /dev/pts devpts rw,nosuid,noexec,relatime 0 0\n";
  }
  const auto reading = read_snapshot(std::nullopt, dir, dir / "no-sys-block");
  std::filesystem::remove_all(dir);
  std::string problems;
  for (const auto& p : reading.problems)
    problems += p + "; ";
  ASSERT_EQ(reading.snapshot.file_systems.size(), 1u) << problems;
  EXPECT_EQ(reading.snapshot.file_systems[0].mount_point, "/");
  EXPECT_GT(reading.snapshot.file_systems[0].free_bytes, 0u);
}

// This machine's real /proc and statvfs.
TEST(RealProc, TwoReadsGiveEveryKindOfSample) {
  auto first = read_snapshot(std::nullopt);
  EXPECT_TRUE(first.problems.empty()) << first.problems.front();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto second = read_snapshot(std::nullopt);
  const auto samples = samples_from(&first.snapshot, second.snapshot);
  auto has = [&](std::string_view counter, std::string_view instance = {}) {
    return std::ranges::any_of(samples, [&](const Sample& s) {
      return s.counter == counter && (instance.empty() || s.instance == instance);
    });
  };
  EXPECT_TRUE(has("cpu.percent"));
  EXPECT_TRUE(has("memory.used_bytes"));
  EXPECT_TRUE(has("memory.available_bytes"));
  EXPECT_TRUE(has("swap.used_bytes"));
  EXPECT_TRUE(has("load.1m"));
  const std::string disk = mount_point_for_check_disk().value_or("/");
  EXPECT_TRUE(has("disk.free_bytes", disk)) << disk;
  EXPECT_TRUE(has("disk.used_percent", disk)) << disk;
  for (const auto& s : samples) {
    EXPECT_GE(s.value, 0.0) << s.counter << " " << s.instance;
    if (s.unit == "%") {
      EXPECT_LE(s.value, 100.0) << s.counter;
    }
  }
}

TEST(RealProc, NamedMountsAndAMissingOne) {
  auto reading = read_snapshot(std::vector<std::string>{"/", "/no/such/mount"});
  ASSERT_EQ(reading.snapshot.file_systems.size(), 1u);
  EXPECT_EQ(reading.snapshot.file_systems[0].mount_point, "/");
  EXPECT_GT(reading.snapshot.file_systems[0].free_bytes, 0u);
  ASSERT_EQ(reading.problems.size(), 1u);
  EXPECT_NE(reading.problems[0].find("/no/such/mount"), std::string::npos);
}

}  // namespace
}  // namespace outpost::collect

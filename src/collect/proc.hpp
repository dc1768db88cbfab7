// Pure parsers for the /proc files the performance collector reads, and the arithmetic that
// turns two readings into samples. Nothing here touches the file system: tests feed fixture
// text, performance.cpp feeds the real files.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace outpost::collect {

// The aggregate "cpu" line of /proc/stat, in clock ticks.
struct CpuTimes {
  std::uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0,
                steal = 0;
  [[nodiscard]] std::uint64_t total() const;
  [[nodiscard]] std::uint64_t idle_all() const { return idle + iowait; }
};
[[nodiscard]] std::optional<CpuTimes> parse_proc_stat(std::string_view text);
// Busy share of the time between two readings, 0-100; none when no time passed or the counters
// went backwards (a reset).
[[nodiscard]] std::optional<double> cpu_percent(const CpuTimes& before, const CpuTimes& after);

// /proc/meminfo, in bytes.
struct MemInfo {
  std::uint64_t total = 0, available = 0, swap_total = 0, swap_free = 0;
  [[nodiscard]] std::uint64_t used() const { return total > available ? total - available : 0; }
  [[nodiscard]] std::uint64_t swap_used() const {
    return swap_total > swap_free ? swap_total - swap_free : 0;
  }
};
// MemAvailable when the kernel has it (3.14+), otherwise MemFree + Buffers + Cached.
[[nodiscard]] std::optional<MemInfo> parse_meminfo(std::string_view text);

struct LoadAverage {
  double one = 0, five = 0, fifteen = 0;
};
[[nodiscard]] std::optional<LoadAverage> parse_loadavg(std::string_view text);

// /proc/diskstats, bytes (sectors are always 512 bytes there).
struct DiskCounters {
  std::string device;
  std::uint64_t read_bytes = 0, write_bytes = 0;
};
[[nodiscard]] std::vector<DiskCounters> parse_diskstats(std::string_view text);

// /proc/net/dev.
struct NetCounters {
  std::string interface;
  std::uint64_t rx_bytes = 0, tx_bytes = 0, rx_errors = 0, tx_errors = 0;
};
[[nodiscard]] std::vector<NetCounters> parse_net_dev(std::string_view text);

// /proc/self/mounts; octal escapes (\040 for a space) are decoded. Later mounts on the same
// mount point hide earlier ones, so each mount point appears once, as mounted last.
struct Mount {
  std::string device, mount_point, fs_type;
};
[[nodiscard]] std::vector<Mount> parse_mounts(std::string_view text);
// False for kernel and memory file systems (proc, sysfs, tmpfs, cgroup, ...), which hold no
// disk space worth watching.
[[nodiscard]] bool is_real_file_system(std::string_view fs_type);

// Per-second rate of a counter between two readings; none when it went backwards (a reset or a
// wrap) or no time passed.
[[nodiscard]] std::optional<double> rate(std::uint64_t before, std::uint64_t after,
                                         double elapsed_s);

}  // namespace outpost::collect

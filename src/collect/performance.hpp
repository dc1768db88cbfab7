// Performance samples: one read of /proc and statvfs is a Snapshot; two snapshots make the rates
// (CPU %, disk I/O, network), so the first read only primes them. Reading blocks (statvfs on a
// hung network mount can block for long), so Collectors runs it off the I/O thread.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "collect/payload.hpp"
#include "collect/proc.hpp"

namespace outpost::collect {

struct FileSystemSpace {
  std::string mount_point;
  std::uint64_t free_bytes = 0;  // available to unprivileged users (df's "Avail")
  double used_percent = 0;       // used / (used + available), as df rounds it up
};

struct Snapshot {
  double taken_s = 0;  // a steady clock, in seconds
  std::optional<CpuTimes> cpu;
  std::optional<MemInfo> memory;
  std::optional<LoadAverage> load;
  std::vector<DiskCounters> disks;
  std::vector<NetCounters> interfaces;
  std::vector<FileSystemSpace> file_systems;
};

// The samples one snapshot yields; rates need the previous snapshot (none on the first read).
[[nodiscard]] std::vector<Sample> samples_from(const Snapshot* previous, const Snapshot& current);

struct Reading {
  Snapshot snapshot;
  std::vector<std::string> problems;  // "/proc/meminfo: No such file or directory", ...
};

// Reads the real files under `proc` ("/proc") and statvfs of `mounts`, or of every real file
// system in `proc`/self/mounts when none are given; when that lists none (a chroot whose root is
// not a mount point of its own, some containers) or cannot be read, of "/", the root this
// process sees. Block devices are those in `sys_block`
// ("/sys/block": whole disks, not partitions), without loop and ram devices; interfaces are
// all but "lo".
[[nodiscard]] Reading read_snapshot(const std::optional<std::vector<std::string>>& mounts,
                                    const std::filesystem::path& proc = "/proc",
                                    const std::filesystem::path& sys_block = "/sys/block");

// Which mount points read_snapshot watches by default.
[[nodiscard]] std::vector<std::string> default_mount_points(const std::vector<Mount>& mounts);

}  // namespace outpost::collect

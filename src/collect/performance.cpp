#include "collect/performance.hpp"

#include <sys/statvfs.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

namespace outpost::collect {
namespace {

constexpr std::size_t kMaxProcFile = 4 * 1024 * 1024;

std::optional<std::string> read_text(const std::filesystem::path& file,
                                     std::vector<std::string>& problems) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    problems.push_back(fmt::format("{}: {}", file.string(), std::strerror(errno)));
    return std::nullopt;
  }
  std::string text;
  std::array<char, 16384> buffer{};
  while (in.read(buffer.data(), buffer.size()) || in.gcount() > 0) {
    text.append(buffer.data(), static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxProcFile) break;
  }
  return text;
}

bool watched_device(const std::string& name, const std::filesystem::path& sys_block) {
  if (name.starts_with("loop") || name.starts_with("ram")) return false;
  std::error_code ec;
  return std::filesystem::exists(sys_block / name, ec);
}

template <class T, class Key>
const T* find_by(const std::vector<T>& items, Key T::*key, const std::string& value) {
  for (const auto& item : items) {
    if (item.*key == value) return &item;
  }
  return nullptr;
}

}  // namespace

std::vector<std::string> default_mount_points(const std::vector<Mount>& mounts) {
  // A device mounted twice (bind mounts, containers' /etc/hosts) is the same space: the first
  // mount point of each /dev/ device stands for it.
  std::vector<std::string> out;
  std::vector<std::string> devices;
  for (const auto& m : mounts) {
    if (!is_real_file_system(m.fs_type)) continue;
    if (m.device.starts_with("/dev/")) {
      if (std::ranges::find(devices, m.device) != devices.end()) continue;
      devices.push_back(m.device);
    }
    out.push_back(m.mount_point);
  }
  return out;
}

std::vector<Sample> samples_from(const Snapshot* previous, const Snapshot& current) {
  std::vector<Sample> out;
  const double elapsed = previous != nullptr ? current.taken_s - previous->taken_s : 0;
  if (previous != nullptr && previous->cpu && current.cpu) {
    if (auto percent = cpu_percent(*previous->cpu, *current.cpu)) {
      out.push_back({"cpu.percent", "", *percent, "%"});
    }
  }
  if (current.memory) {
    const auto& m = *current.memory;
    out.push_back({"memory.used_bytes", "", static_cast<double>(m.used()), "B"});
    out.push_back({"memory.available_bytes", "", static_cast<double>(m.available), "B"});
    out.push_back({"swap.used_bytes", "", static_cast<double>(m.swap_used()), "B"});
  }
  if (current.load) {
    out.push_back({"load.1m", "", current.load->one, ""});
    out.push_back({"load.5m", "", current.load->five, ""});
    out.push_back({"load.15m", "", current.load->fifteen, ""});
  }
  for (const auto& fs : current.file_systems) {
    out.push_back({"disk.free_bytes", fs.mount_point, static_cast<double>(fs.free_bytes), "B"});
    out.push_back({"disk.used_percent", fs.mount_point, fs.used_percent, "%"});
  }
  if (previous == nullptr) return out;
  for (const auto& disk : current.disks) {
    const auto* before = find_by(previous->disks, &DiskCounters::device, disk.device);
    if (before == nullptr) continue;
    if (auto r = rate(before->read_bytes, disk.read_bytes, elapsed)) {
      out.push_back({"disk.read_bytes_per_s", disk.device, *r, "B/s"});
    }
    if (auto w = rate(before->write_bytes, disk.write_bytes, elapsed)) {
      out.push_back({"disk.write_bytes_per_s", disk.device, *w, "B/s"});
    }
  }
  for (const auto& net : current.interfaces) {
    const auto* before = find_by(previous->interfaces, &NetCounters::interface, net.interface);
    if (before == nullptr) continue;
    if (auto rx = rate(before->rx_bytes, net.rx_bytes, elapsed)) {
      out.push_back({"net.rx_bytes_per_s", net.interface, *rx, "B/s"});
    }
    if (auto tx = rate(before->tx_bytes, net.tx_bytes, elapsed)) {
      out.push_back({"net.tx_bytes_per_s", net.interface, *tx, "B/s"});
    }
    if (auto errors =
            rate(before->rx_errors + before->tx_errors, net.rx_errors + net.tx_errors, elapsed)) {
      out.push_back({"net.errors_per_s", net.interface, *errors, "/s"});
    }
  }
  return out;
}

Reading read_snapshot(const std::optional<std::vector<std::string>>& mounts,
                      const std::filesystem::path& proc, const std::filesystem::path& sys_block) {
  Reading r;
  auto& s = r.snapshot;
  s.taken_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  auto& problems = r.problems;
  if (auto text = read_text(proc / "stat", problems)) {
    s.cpu = parse_proc_stat(*text);
    if (!s.cpu) problems.push_back((proc / "stat").string() + ": no aggregate cpu line");
  }
  if (auto text = read_text(proc / "meminfo", problems)) {
    s.memory = parse_meminfo(*text);
    if (!s.memory) problems.push_back((proc / "meminfo").string() + ": no MemTotal");
  }
  if (auto text = read_text(proc / "loadavg", problems)) {
    s.load = parse_loadavg(*text);
    if (!s.load) problems.push_back((proc / "loadavg").string() + ": not three load averages");
  }
  if (auto text = read_text(proc / "diskstats", problems)) {
    for (auto& disk : parse_diskstats(*text)) {
      if (watched_device(disk.device, sys_block)) s.disks.push_back(std::move(disk));
    }
  }
  if (auto text = read_text(proc / "net" / "dev", problems)) {
    for (auto& net : parse_net_dev(*text)) {
      if (net.interface != "lo") s.interfaces.push_back(std::move(net));
    }
  }
  std::vector<std::string> points;
  if (mounts) {
    points = *mounts;
  } else {
    if (auto text = read_text(proc / "self" / "mounts", problems)) {
      points = default_mount_points(parse_mounts(*text));
    }
    if (points.empty()) points.emplace_back("/");  // statvfs of the root works where we run
  }
  for (const auto& point : points) {
    struct statvfs st {};
    if (::statvfs(point.c_str(), &st) != 0) {
      problems.push_back(fmt::format("statvfs {}: {}", point, std::strerror(errno)));
      continue;
    }
    if (st.f_blocks == 0) continue;  // nothing to measure
    const auto unit = static_cast<double>(st.f_frsize);
    const double used = static_cast<double>(st.f_blocks - st.f_bfree) * unit;
    const double available = static_cast<double>(st.f_bavail) * unit;
    const double percent = used + available > 0 ? used / (used + available) * 100.0 : 0.0;
    s.file_systems.push_back(
        {point, static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize, percent});
  }
  return r;
}

}  // namespace outpost::collect

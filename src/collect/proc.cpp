#include "collect/proc.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace outpost::collect {
namespace {

// Splits on spaces and tabs, dropping empty fields.
std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
      ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t')
      ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

template <class F>
void each_line(std::string_view text, F&& f) {
  while (!text.empty()) {
    const auto end = text.find('\n');
    f(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
}

std::optional<std::uint64_t> to_u64(std::string_view text) {
  std::uint64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end) return std::nullopt;
  return value;
}

std::optional<double> to_double(std::string_view text) {
  double value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end) return std::nullopt;
  return value;
}

std::string unescape_octal(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size() &&
        std::all_of(text.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                    text.begin() + static_cast<std::ptrdiff_t>(i) + 4,
                    [](char c) { return c >= '0' && c <= '7'; })) {
      out += static_cast<char>((text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 +
                               (text[i + 3] - '0'));
      i += 3;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace

std::uint64_t CpuTimes::total() const {
  return user + nice + system + idle + iowait + irq + softirq + steal;
}

std::optional<CpuTimes> parse_proc_stat(std::string_view text) {
  std::optional<CpuTimes> out;
  each_line(text, [&](std::string_view line) {
    const auto f = fields(line);
    if (out || f.size() < 5 || f[0] != "cpu") return;
    std::array<std::uint64_t, 8> v{};
    for (std::size_t i = 0; i < v.size() && i + 1 < f.size(); ++i) {
      const auto n = to_u64(f[i + 1]);
      if (!n) return;
      v[i] = *n;
    }
    out = CpuTimes{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]};
  });
  return out;
}

std::optional<double> cpu_percent(const CpuTimes& before, const CpuTimes& after) {
  if (after.total() <= before.total() || after.idle_all() < before.idle_all()) return std::nullopt;
  const auto total = static_cast<double>(after.total() - before.total());
  const auto idle = static_cast<double>(after.idle_all() - before.idle_all());
  return std::clamp((total - idle) / total * 100.0, 0.0, 100.0);
}

std::optional<MemInfo> parse_meminfo(std::string_view text) {
  std::optional<std::uint64_t> total, available, free, buffers, cached, swap_total, swap_free;
  each_line(text, [&](std::string_view line) {
    const auto f = fields(line);
    if (f.size() < 2) return;
    auto value = to_u64(f[1]);
    if (!value) return;
    const std::uint64_t bytes = (f.size() >= 3 && f[2] == "kB") ? *value * 1024 : *value;
    const std::string_view key = f[0];
    if (key == "MemTotal:") total = bytes;
    if (key == "MemAvailable:") available = bytes;
    if (key == "MemFree:") free = bytes;
    if (key == "Buffers:") buffers = bytes;
    if (key == "Cached:") cached = bytes;
    if (key == "SwapTotal:") swap_total = bytes;
    if (key == "SwapFree:") swap_free = bytes;
  });
  if (!total) return std::nullopt;
  if (!available) {
    if (!free) return std::nullopt;
    available = *free + buffers.value_or(0) + cached.value_or(0);
  }
  return MemInfo{*total, *available, swap_total.value_or(0), swap_free.value_or(0)};
}

std::optional<LoadAverage> parse_loadavg(std::string_view text) {
  const auto f = fields(text.substr(0, text.find('\n')));
  if (f.size() < 3) return std::nullopt;
  const auto one = to_double(f[0]), five = to_double(f[1]), fifteen = to_double(f[2]);
  if (!one || !five || !fifteen) return std::nullopt;
  return LoadAverage{*one, *five, *fifteen};
}

std::vector<DiskCounters> parse_diskstats(std::string_view text) {
  std::vector<DiskCounters> out;
  each_line(text, [&](std::string_view line) {
    // major minor name reads merged sectors_read ms writes merged sectors_written ...
    const auto f = fields(line);
    if (f.size() < 10) return;
    const auto read = to_u64(f[5]), written = to_u64(f[9]);
    if (!read || !written) return;
    out.push_back(DiskCounters{std::string(f[2]), *read * 512, *written * 512});
  });
  return out;
}

std::vector<NetCounters> parse_net_dev(std::string_view text) {
  std::vector<NetCounters> out;
  each_line(text, [&](std::string_view line) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return;  // the two header lines
    const auto name = fields(line.substr(0, colon));
    const auto f = fields(line.substr(colon + 1));
    if (name.size() != 1 || f.size() < 16) return;
    // rx: bytes packets errs drop fifo frame compressed multicast; tx: bytes packets errs ...
    const auto rx = to_u64(f[0]), rx_err = to_u64(f[2]), tx = to_u64(f[8]), tx_err = to_u64(f[10]);
    if (!rx || !rx_err || !tx || !tx_err) return;
    out.push_back(NetCounters{std::string(name[0]), *rx, *tx, *rx_err, *tx_err});
  });
  return out;
}

std::vector<Mount> parse_mounts(std::string_view text) {
  std::vector<Mount> out;
  each_line(text, [&](std::string_view line) {
    const auto f = fields(line);
    if (f.size() < 3) return;
    Mount m{unescape_octal(f[0]), unescape_octal(f[1]), std::string(f[2])};
    std::erase_if(out, [&](const Mount& earlier) { return earlier.mount_point == m.mount_point; });
    out.push_back(std::move(m));
  });
  return out;
}

bool is_real_file_system(std::string_view fs_type) {
  static constexpr std::array<std::string_view, 26> kVirtual = {
      "proc",       "sysfs",          "tmpfs",   "devtmpfs", "devpts",   "cgroup",
      "cgroup2",    "securityfs",     "pstore",  "debugfs",  "tracefs",  "mqueue",
      "hugetlbfs",  "configfs",       "fusectl", "bpf",      "autofs",   "binfmt_misc",
      "rpc_pipefs", "nsfs",           "ramfs",   "efivarfs", "squashfs", "selinuxfs",
      "fuse.lxcfs", "fuse.gvfsd-fuse"};
  return std::ranges::find(kVirtual, fs_type) == kVirtual.end();
}

std::optional<double> rate(std::uint64_t before, std::uint64_t after, double elapsed_s) {
  if (after < before || elapsed_s <= 0) return std::nullopt;
  return static_cast<double>(after - before) / elapsed_s;
}

}  // namespace outpost::collect

// The file system the check_disk tests measure: "/" when /proc/self/mounts lists it, else the
// first real file system it lists. In a chroot whose root is not a mount point of its own, "/"
// is not listed and check_disk cannot measure it; nullopt when nothing real is listed at all.
#pragma once

#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "collect/performance.hpp"
#include "collect/proc.hpp"

namespace outpost::collect {

inline std::optional<std::string> mount_point_for_check_disk() {
  std::ifstream file("/proc/self/mounts");
  std::stringstream text;
  text << file.rdbuf();
  const auto points = default_mount_points(parse_mounts(text.str()));
  for (const auto& p : points) {
    if (p == "/") return p;
  }
  if (points.empty()) return std::nullopt;
  return points.front();
}

}  // namespace outpost::collect

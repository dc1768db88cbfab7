#include "queue/meta.hpp"

#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/files.hpp"
#include "queue/file_io.hpp"

namespace outpost::queue {

Result<std::optional<Meta>> read_meta(const std::filesystem::path& dir) {
  const auto path = dir / kMetaFileName;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return std::optional<Meta>{};
  }
  auto text = read_file(path);
  if (!text) {
    return std::unexpected(text.error());
  }
  try {
    const auto j = nlohmann::json::parse(*text);
    Meta m;
    m.acked_through = j.at("acked_through").get<std::uint64_t>();
    m.dropped_through = j.at("dropped_through").get<std::uint64_t>();
    m.highest_seq = j.at("highest_seq").get<std::uint64_t>();
    m.reserved_through = j.at("reserved_through").get<std::uint64_t>();
    m.dropped_for_size = j.value("dropped_for_size", std::uint64_t{0});
    m.dropped_for_age = j.value("dropped_for_age", std::uint64_t{0});
    m.boot_id = j.value("boot_id", std::string{});
    m.clean = j.value("clean", false);
    return std::optional<Meta>{m};
  } catch (const nlohmann::json::exception& e) {
    return fail(
        fmt::format("the durable queue's meta file {} is damaged: {}", path.string(), e.what()),
        "move the queue folder aside and start again; its items are lost", EventId::queue_damaged);
  }
}

Result<void> write_meta(const std::filesystem::path& dir, const Meta& meta,
                        MetaDurability durability) {
  const nlohmann::json j = {{"version", 1},
                            {"acked_through", meta.acked_through},
                            {"dropped_through", meta.dropped_through},
                            {"highest_seq", meta.highest_seq},
                            {"reserved_through", meta.reserved_through},
                            {"dropped_for_size", meta.dropped_for_size},
                            {"dropped_for_age", meta.dropped_for_age},
                            {"boot_id", meta.boot_id},
                            {"clean", meta.clean}};
  if (auto written = write_file_atomic(dir / kMetaFileName, j.dump() + "\n"); !written) {
    return written;
  }
  return durability == MetaDurability::durable ? fsync_dir(dir) : Result<void>{};
}

std::string current_boot_id() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id;
}

}  // namespace outpost::queue

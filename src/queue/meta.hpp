// The durable queue's meta record, `<dir>/queue.meta`: the marks that must outlive the segment
// files (acked and dropped marks, the highest sequence number ever assigned and the block
// reserved beyond it, the boot it was written in).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "core/error.hpp"

namespace outpost::queue {

struct Meta {
  std::uint64_t acked_through = 0;     // every seq <= this is in the database
  std::uint64_t dropped_through = 0;   // every seq <= this was acked or dropped by a cap
  std::uint64_t highest_seq = 0;       // the highest seq assigned when this was written
  std::uint64_t reserved_through = 0;  // seqs up to this may have been assigned since
  std::uint64_t dropped_for_size = 0;
  std::uint64_t dropped_for_age = 0;
  std::string boot_id;  // the kernel's boot id when written
  bool clean = false;   // written by a clean close: highest_seq is exact
};

inline constexpr const char* kMetaFileName = "queue.meta";

// Nothing when the file does not exist; an error when it exists and cannot be read or parsed.
[[nodiscard]] Result<std::optional<Meta>> read_meta(const std::filesystem::path& dir);
// The file is written to a temporary name, fsync'd and renamed over the old one, so a reader sees
// one whole record or the other. With `durable`, the folder is fsync'd too: the new record then
// survives a power loss. Without, a power loss may bring the previous record back, which only
// ever costs resending acked items (a reservation of seqs is always written durable).
enum class MetaDurability { rename_only, durable };
[[nodiscard]] Result<void> write_meta(const std::filesystem::path& dir, const Meta& meta,
                                      MetaDurability durability);
// /proc/sys/kernel/random/boot_id, or empty when it cannot be read.
[[nodiscard]] std::string current_boot_id();

}  // namespace outpost::queue

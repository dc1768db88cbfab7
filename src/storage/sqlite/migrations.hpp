// The SQLite schema's numbered migrations (migrations/NNNN_name.sql, embedded at build time).
#pragma once

#include <span>
#include <string_view>

namespace outpost::storage::sqlite {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

[[nodiscard]] std::span<const Migration> migrations();

}  // namespace outpost::storage::sqlite

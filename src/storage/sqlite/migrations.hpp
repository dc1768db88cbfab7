// The SQLite schema's numbered migrations (migrations/NNNN_name.sql, embedded at build time).
#pragma once

#include <span>

#include "storage/migration.hpp"

namespace outpost::storage::sqlite {

[[nodiscard]] std::span<const Migration> migrations();

}  // namespace outpost::storage::sqlite

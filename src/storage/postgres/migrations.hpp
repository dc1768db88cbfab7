// The PostgreSQL schema's numbered migrations (migrations/NNNN_name.sql, embedded at build time).
#pragma once

#include <span>

#include "storage/migration.hpp"

namespace outpost::storage::postgres {

[[nodiscard]] std::span<const Migration> migrations();

}  // namespace outpost::storage::postgres

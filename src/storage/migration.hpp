// A numbered schema migration (migrations/NNNN_name.sql of a backend, embedded at build time by
// embed_migrations.cmake). Each backend lists its own and applies them in order at open.
#pragma once

#include <string_view>

namespace outpost::storage {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

}  // namespace outpost::storage

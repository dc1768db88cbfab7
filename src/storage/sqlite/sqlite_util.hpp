// Internal to the SQLite backend: time conversions and the guard that turns every SQLite
// exception into an Error naming the database and the operation.
#pragma once

#include <SQLiteCpp/Exception.h>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/time.hpp"

namespace outpost::storage::sqlite {

inline std::int64_t millis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline TimePoint from_millis(std::int64_t ms) {
  return TimePoint(std::chrono::milliseconds(ms));
}
inline std::int64_t seconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

template <class F>
auto guarded(const std::string& path, std::string_view doing, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const SQLite::Exception& e) {
    return fail(fmt::format("database {}: {} failed: {}", path, doing, e.what()),
                "check the file's permissions and free space; outpost doctor names the cause",
                EventId::database_error);
  }
}

}  // namespace outpost::storage::sqlite

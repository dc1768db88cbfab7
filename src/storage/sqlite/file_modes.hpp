// The SQLite database is owner-only (issue 11, finding 6): the file and its -wal, -shm and
// -journal companions hold every computer's approval and data. SQLite gives the companions the
// database file's mode, so the database file is created 0600 before SQLite opens it, and an
// existing file (or companion) that other users could read is made 0600.
#pragma once

#include <string>

#include "storage/storage.hpp"

namespace outpost::storage::sqlite {

[[nodiscard]] Result<void> secure_database_files(const std::string& path,
                                                 const FileTightened& tightened);

}  // namespace outpost::storage::sqlite

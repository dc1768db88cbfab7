#include "storage/sqlite/file_modes.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace outpost::storage::sqlite {
namespace {

constexpr mode_t kOwnerOnly = 0600;

Result<void> tighten(const std::string& file, const FileTightened& tightened) {
  struct stat st {};
  if (::lstat(file.c_str(), &st) != 0) return {};  // not there: nothing to tighten
  if (!S_ISREG(st.st_mode) || (st.st_mode & 0077) == 0) return {};
  if (::chmod(file.c_str(), kOwnerOnly) != 0) {
    return fail(fmt::format("the database file {} has mode {:04o} (other users can read it) and "
                            "cannot be made owner-only: {}",
                            file, st.st_mode & 0777, std::strerror(errno)),
                fmt::format("chmod 600 {} as its owner", file), EventId::file_mode_tightened);
  }
  if (tightened) tightened(file, static_cast<unsigned>(st.st_mode & 0777));
  return {};
}

}  // namespace

Result<void> secure_database_files(const std::string& path, const FileTightened& tightened) {
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, kOwnerOnly);
  if (fd >= 0) {
    ::close(fd);  // a new, empty file: SQLite makes it a database
  } else if (errno != EEXIST) {
    return fail(fmt::format("cannot create the database file {}: {}", path, std::strerror(errno)),
                "check that its folder exists and that this user may write there");
  }
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    if (auto ok = tighten(path + suffix, tightened); !ok) return ok;
  }
  return {};
}

}  // namespace outpost::storage::sqlite
